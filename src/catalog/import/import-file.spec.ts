import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImportFileError, resolveImportFile } from './import-file';

describe(resolveImportFile.name, () => {
  let base: string;
  let importDir: string;

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'chronicle-import-'));
    importDir = join(base, 'imports');
    await mkdir(join(importDir, 'nested'), { recursive: true });
    await writeFile(join(importDir, 'books.csv'), 'title,author\n');
    await writeFile(join(importDir, 'nested', 'more.csv'), 'title,author\n');
    await writeFile(join(base, 'secret.csv'), 'title,author\n');
  });

  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  async function rejection(name: string): Promise<Error> {
    return resolveImportFile(importDir, name).then(
      () => {
        throw new Error(`expected ${name} to be rejected`);
      },
      (error: Error) => error,
    );
  }

  it('resolves a file in the folder', async () => {
    await expect(resolveImportFile(importDir, 'books.csv')).resolves.toBe(
      join(importDir, 'books.csv'),
    );
  });

  it('resolves a file in a subfolder', async () => {
    await expect(resolveImportFile(importDir, 'nested/more.csv')).resolves.toBe(
      join(importDir, 'nested', 'more.csv'),
    );
  });

  it('follows a symbolic link inside the folder', async () => {
    await symlink(join(importDir, 'books.csv'), join(importDir, 'link.csv'));

    await expect(resolveImportFile(importDir, 'link.csv')).resolves.toBe(
      join(importDir, 'books.csv'),
    );
  });

  it.each([
    ['an absolute path', () => join(base, 'secret.csv'), 'absolute path'],
    ['a drive letter', () => 'C:\\data\\books.csv', 'absolute path'],
    ['a parent segment', () => '../secret.csv', '".." segments'],
    ['a nested parent segment', () => 'nested/../../secret.csv', '".."'],
    ['a backslash parent segment', () => 'nested\\..\\..\\x.csv', '".."'],
    ['an empty name', () => ' ', 'is not a file name'],
    ['a NUL byte', () => 'books.csv\0.txt', 'is not a file name'],
    ['a missing file', () => 'missing.csv', 'does not exist'],
    ['a folder', () => 'nested', 'is not a regular file'],
    ['the folder itself', () => '.', 'is not a regular file'],
  ])('rejects %s', async (_case, name, reason) => {
    const error = await rejection(name());

    expect(error).toBeInstanceOf(ImportFileError);
    expect(error.message).toMatch(/^payload\.file /);
    expect(error.message).toContain(reason);
  });

  it('rejects a symbolic link out of the folder', async () => {
    await symlink(join(base, 'secret.csv'), join(importDir, 'escape.csv'));

    const error = await rejection('escape.csv');

    expect(error).toBeInstanceOf(ImportFileError);
    expect(error.message).toContain('leads out of the import folder');
  });

  it('rejects a linked folder that leads out', async () => {
    await symlink(base, join(importDir, 'up'));

    const error = await rejection('up/secret.csv');

    expect(error.message).toContain('leads out of the import folder');
  });

  it('names IMPORT_DIR when the folder is missing', async () => {
    const error = await resolveImportFile(join(base, 'none'), 'a.csv').catch(
      (caught: Error) => caught,
    );

    expect(error).toBeInstanceOf(ImportFileError);
    expect((error as Error).message).toContain('(IMPORT_DIR) does not exist');
  });
});
