import {
  markdownRow,
  markdownTableHeader,
  type BenchReport,
} from '../../../bench/support/results';

const machine = {
  cpuCount: 2,
  cpuModel: 'Test CPU',
  memoryGb: 8,
  node: 'v20.19.0',
  postgres: '15.0',
  redis: '7.0.0',
};

describe('markdownRow', () => {
  it('has one cell per header column and a dash for parts not run', () => {
    const report: BenchReport = {
      finishedAt: '2026-01-05T10:00:00.000Z',
      mode: 'quick',
      machine,
      writes: { plainPerSec: 400, auditedPerSec: 300, ratio: 0.75 },
    };
    const header = markdownTableHeader().split('\n')[0];
    const row = markdownRow(report);

    expect(row.split(' | ')).toHaveLength(header.split(' | ').length);
    expect(row).toContain('| 2026-01-05 10:00 | quick | 2 × Test CPU, 8 GB |');
    expect(row).toContain('| 400 | 300 | 0.75 | – |');
    expect(row).not.toContain('undefined');
  });
});
