import { Environment, validateEnvironment } from './environment';

describe(validateEnvironment.name, () => {
  it('applies defaults to an empty environment', () => {
    const environment = validateEnvironment({});

    expect(environment).toBeInstanceOf(Environment);
    expect(environment.PORT).toBe(3000);
    expect(environment.DATABASE_URL).toBe(
      'postgres://postgres@127.0.0.1:5432/chronicle',
    );
    expect(environment.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(environment.REDIS_PREFIX).toBe('chronicle');
    expect(environment.WORKER).toBe(true);
    expect(environment.ADMIN_TOKEN).toBeUndefined();
    expect(environment.IMPORT_DIR).toBe('./data');
    expect(environment.EXPORT_DIR).toBe('./var/exports');
    expect(environment.SCHEDULE_MIN_EVERY_MS).toBe(1000);
    expect(environment.SCHEDULER_TICK_MS).toBe(500);
    expect(environment.SCHEDULE_MISFIRE_GRACE_MS).toBe(60_000);
  });

  it('reads the import and export folders', () => {
    const environment = validateEnvironment({
      IMPORT_DIR: '/srv/chronicle/imports',
      EXPORT_DIR: 'exports',
    });

    expect(environment.IMPORT_DIR).toBe('/srv/chronicle/imports');
    expect(environment.EXPORT_DIR).toBe('exports');
  });

  it('keeps the default folders for empty values', () => {
    const environment = validateEnvironment({ IMPORT_DIR: '', EXPORT_DIR: '' });

    expect(environment.IMPORT_DIR).toBe('./data');
    expect(environment.EXPORT_DIR).toBe('./var/exports');
  });

  it('applies the job defaults', () => {
    const environment = validateEnvironment({});

    expect(environment.JOB_QUEUES).toBe('default');
    expect(environment.WORKER_CONCURRENCY).toBe(16);
    expect(environment.JOB_PAYLOAD_MAX_BYTES).toBe(262_144);
    expect(environment.JOB_RESULT_MAX_BYTES).toBe(262_144);
    expect(environment.JOB_BULK_MAX).toBe(500);
    expect(environment.WEBHOOK_ALLOWED_HOSTS).toBe('');
    expect(environment.WORKER_ID).toMatch(new RegExp(`:${process.pid}$`));
  });

  it('reads the job settings', () => {
    const environment = validateEnvironment({
      JOB_QUEUES: 'default,imports',
      WORKER_CONCURRENCY: '4',
      JOB_BULK_MAX: '10',
      WEBHOOK_ALLOWED_HOSTS: 'hooks.example.com,127.0.0.1:8080',
      WORKER_ID: 'worker-a',
    });

    expect(environment).toMatchObject({
      JOB_QUEUES: 'default,imports',
      WORKER_CONCURRENCY: 4,
      JOB_BULK_MAX: 10,
      WEBHOOK_ALLOWED_HOSTS: 'hooks.example.com,127.0.0.1:8080',
      WORKER_ID: 'worker-a',
    });
  });

  it('converts numbers and booleans', () => {
    const environment = validateEnvironment({ PORT: '8080', WORKER: 'false' });

    expect(environment.PORT).toBe(8080);
    expect(environment.WORKER).toBe(false);
  });

  it.each([
    ['PORT', 'eighty', 'PORT="eighty"'],
    ['PORT', '70000', 'PORT=70000'],
    ['DATABASE_URL', 'mysql://x', 'must be a postgres:// URL'],
    ['REDIS_URL', 'localhost:6379', 'must be a redis:// URL'],
    ['WORKER', 'maybe', 'WORKER="maybe": must be true or false'],
    ['REDIS_PREFIX', 'a b', 'REDIS_PREFIX'],
    ['ADMIN_TOKEN', 'short', 'at least 16 characters'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL'],
    ['SCHEDULE_MIN_EVERY_MS', '0', 'SCHEDULE_MIN_EVERY_MS=0'],
    ['SCHEDULER_TICK_MS', '-1', 'SCHEDULER_TICK_MS=-1'],
    ['SCHEDULE_MISFIRE_GRACE_MS', 'soon', 'SCHEDULE_MISFIRE_GRACE_MS'],
    ['JOB_QUEUES', 'a b', 'JOB_QUEUES'],
    ['JOB_QUEUES', 'a,', 'JOB_QUEUES'],
    ['WORKER_CONCURRENCY', '0', 'WORKER_CONCURRENCY'],
    ['JOB_PAYLOAD_MAX_BYTES', 'big', 'JOB_PAYLOAD_MAX_BYTES'],
    ['JOB_RESULT_MAX_BYTES', '10', 'JOB_RESULT_MAX_BYTES'],
    ['JOB_BULK_MAX', '0', 'JOB_BULK_MAX'],
    ['WEBHOOK_ALLOWED_HOSTS', 'http://x', 'WEBHOOK_ALLOWED_HOSTS'],
    ['AUDIT_SEAL_SETTLE_MS', '-1', 'AUDIT_SEAL_SETTLE_MS'],
    ['AUDIT_SEAL_BATCH_SIZE', '0', 'AUDIT_SEAL_BATCH_SIZE'],
    ['RATE_LIMIT_PER_MINUTE', '-1', 'RATE_LIMIT_PER_MINUTE'],
    ['METRICS_PUBLIC', 'yes', 'METRICS_PUBLIC="yes"'],
    ['WORKER_HEARTBEAT_MS', '50', 'WORKER_HEARTBEAT_MS'],
    ['WORKER_LOCK_MS', '999', 'WORKER_LOCK_MS'],
    ['RECONCILE_INTERVAL_MS', '-1', 'RECONCILE_INTERVAL_MS'],
    ['SHUTDOWN_GRACE_MS', 'soon', 'SHUTDOWN_GRACE_MS'],
  ])('rejects %s=%s naming the variable', (name, value, expected) => {
    expect(() => validateEnvironment({ [name]: value })).toThrow(expected);
  });

  it('reads the operations settings', () => {
    const defaults = validateEnvironment({});
    const given = validateEnvironment({
      RATE_LIMIT_PER_MINUTE: '0',
      METRICS_PUBLIC: 'false',
      WORKER_METRICS_PORT: '0',
    });

    expect(defaults.RATE_LIMIT_PER_MINUTE).toBe(60_000);
    expect(defaults.METRICS_PUBLIC).toBe(true);
    expect(defaults.WORKER_METRICS_PORT).toBe(9464);
    expect(given.RATE_LIMIT_PER_MINUTE).toBe(0);
    expect(given.METRICS_PUBLIC).toBe(false);
    expect(given.WORKER_METRICS_PORT).toBe(0);
  });

  it('defaults and converts the sealing settings', () => {
    expect(validateEnvironment({}).AUDIT_SEAL_SETTLE_MS).toBe(2000);
    expect(validateEnvironment({}).AUDIT_SEAL_BATCH_SIZE).toBe(10_000);

    const environment = validateEnvironment({
      AUDIT_SEAL_SETTLE_MS: '0',
      AUDIT_SEAL_BATCH_SIZE: '500',
    });

    expect(environment.AUDIT_SEAL_SETTLE_MS).toBe(0);
    expect(environment.AUDIT_SEAL_BATCH_SIZE).toBe(500);
  });

  it('defaults and converts the fault-handling settings', () => {
    const defaults = validateEnvironment({});
    expect(defaults.WORKER_HEARTBEAT_MS).toBe(5000);
    expect(defaults.WORKER_LOCK_MS).toBe(30_000);
    expect(defaults.RECONCILE_INTERVAL_MS).toBe(30_000);
    expect(defaults.SHUTDOWN_GRACE_MS).toBe(10_000);

    const environment = validateEnvironment({
      WORKER_HEARTBEAT_MS: '250',
      WORKER_LOCK_MS: '2000',
      RECONCILE_INTERVAL_MS: '0',
      SHUTDOWN_GRACE_MS: '1500',
    });

    expect(environment.WORKER_HEARTBEAT_MS).toBe(250);
    expect(environment.WORKER_LOCK_MS).toBe(2000);
    expect(environment.RECONCILE_INTERVAL_MS).toBe(0);
    expect(environment.SHUTDOWN_GRACE_MS).toBe(1500);
  });

  it('lists every invalid variable at once', () => {
    expect(() => validateEnvironment({ PORT: 'x', REDIS_URL: 'y' })).toThrow(
      /PORT[\s\S]*REDIS_URL/,
    );
  });

  it('ignores variables it does not know', () => {
    expect(() => validateEnvironment({ HOME: '/root' })).not.toThrow();
  });
});
