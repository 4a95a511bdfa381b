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
  ])('rejects %s=%s naming the variable', (name, value, expected) => {
    expect(() => validateEnvironment({ [name]: value })).toThrow(expected);
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
