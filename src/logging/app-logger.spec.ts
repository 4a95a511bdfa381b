import { auditContextStorage } from '../audit/audit-context';
import { createAppLogger, redactSecrets } from './app-logger';
import { withJobLogFields } from './log-fields';

describe('AppLogger', () => {
  let written: string[];
  let stdout: jest.SpyInstance;

  beforeEach(() => {
    written = [];
    stdout = jest
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array) => {
        written.push(chunk.toString());
        return true;
      });
  });

  afterEach(() => {
    stdout.mockRestore();
  });

  const logger = createAppLogger({ LOG_JSON: true, LOG_LEVEL: 'log' });

  function lastLine(): Record<string, unknown> {
    return JSON.parse(written[written.length - 1]);
  }

  it('adds the job fields and the job run id inside a job', () => {
    const fields = { jobId: '42', jobType: 'catalog.import', queue: 'jobs' };
    auditContextStorage.run(
      { userId: 'u-1', source: 'job', jobRunId: 'run-1' },
      () =>
        withJobLogFields({ ...fields, attempt: 2 }, () =>
          logger.log('Imported 10 rows', 'CatalogImport'),
        ),
    );

    expect(lastLine()).toMatchObject({
      message: 'Imported 10 rows',
      context: 'CatalogImport',
      userId: 'u-1',
      jobRunId: 'run-1',
      ...fields,
      attempt: 2,
    });
  });

  it('writes no scope fields outside a request or job', () => {
    logger.log('Started', 'Bootstrap');

    expect(Object.keys(lastLine()).sort()).toEqual(
      ['context', 'level', 'message', 'pid', 'timestamp'].sort(),
    );
  });

  it('drops lines below LOG_LEVEL', () => {
    logger.debug('noisy', 'Bootstrap');

    expect(written).toEqual([]);
  });

  it.each([
    ['Authorization: Bearer abc.def', 'Authorization: Bearer [REDACTED]'],
    ['Authorization: Basic YTpi', 'Authorization: Basic [REDACTED]'],
    ['token chr_0123456789abcdef leaked', 'token [REDACTED] leaked'],
    ['nothing secret here', 'nothing secret here'],
  ])('redacts %s', (text, expected) => {
    expect(redactSecrets(text)).toBe(expected);
  });
});
