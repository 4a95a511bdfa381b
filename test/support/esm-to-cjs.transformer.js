/*
 * Jest transformer for ESM-only packages in node_modules (NestJS 12 ships as
 * ESM). Jest on Node.js 20 cannot require() an ES module, so these files are
 * compiled to CommonJS with TypeScript's transpiler. `import.meta` has no
 * CommonJS form, so its two uses in those packages are rewritten first.
 */
const { createHash } = require('node:crypto');
const ts = require('typescript');

function rewriteImportMeta(source) {
  return (
    source
      // CommonJS already has a module-local require.
      .replace(/^const require = createRequire\(import\.meta\.url\);$/m, '')
      .replace(
        /import\.meta\.url/g,
        "require('node:url').pathToFileURL(__filename).href",
      )
      .replace(/import\.meta\.resolve\(/g, 'require.resolve(')
      .replace(/import\.meta\.dirname/g, '__dirname')
      .replace(/import\.meta\.filename/g, '__filename')
  );
}

module.exports = {
  getCacheKey(source, path) {
    return createHash('sha256')
      .update('esm-to-cjs-2')
      .update(path)
      .update(source)
      .digest('hex');
  },
  process(source, path) {
    const output = ts.transpileModule(rewriteImportMeta(source), {
      fileName: path,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        sourceMap: false,
      },
    });

    return { code: output.outputText };
  },
};
