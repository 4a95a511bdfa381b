import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';

/** A `payload.file` that does not name a file inside the import folder. */
export class ImportFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportFileError';
  }
}

/**
 * Resolves a file name from a payload to the real path of a regular file
 * inside `importDir`. Absolute names and `..` segments are rejected before
 * the file system is touched, and symbolic links are followed and rejected
 * when they lead out of the folder.
 *
 * @throws ImportFileError naming `payload.file` and the reason.
 */
export async function resolveImportFile(
  importDir: string,
  name: string,
): Promise<string> {
  checkFileName(name);
  const root = await realpathOrFail(
    importDir,
    `payload.file ${JSON.stringify(name)} cannot be read because the ` +
      `import folder ${importDir} (IMPORT_DIR) does not exist`,
  );
  const target = await realpathOrFail(
    join(root, name),
    `payload.file ${JSON.stringify(name)} does not exist in the import folder`,
  );

  const inside = relative(root, target);
  if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new ImportFileError(
      `payload.file ${JSON.stringify(name)} leads out of the import folder`,
    );
  }
  if (!(await stat(target)).isFile()) {
    throw new ImportFileError(
      `payload.file ${JSON.stringify(name)} is not a regular file`,
    );
  }

  return target;
}

/** Rejects names that could point outside the folder by their text alone. */
function checkFileName(name: string): void {
  const quoted = JSON.stringify(name);
  if (name.trim() === '' || name.includes('\0')) {
    throw new ImportFileError(`payload.file ${quoted} is not a file name`);
  }
  if (isAbsolute(name) || /^[A-Za-z]:/.test(name)) {
    throw new ImportFileError(
      `payload.file ${quoted} must be relative to the import folder, ` +
        'not an absolute path',
    );
  }
  if (name.split(/[\\/]/).includes('..')) {
    throw new ImportFileError(
      `payload.file ${quoted} must not contain ".." segments`,
    );
  }
}

async function realpathOrFail(path: string, message: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ImportFileError(message);
    }
    throw error;
  }
}
