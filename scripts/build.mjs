// Builds dist/, the published code:
//   index.js          the library, bundled into one CommonJS file (importing it is one file to read and compile,
//                     not twenty: that halves the cost of `require('stevedore-ts')`);
//   testing.js        `stevedore-ts/testing`, which loads the library from index.js;
//   cli/main.js       the `stevedore` command, and cli/probe-child.js, the process it loads plugins in: both load
//                     the library from index.js too, so a process holds one copy of it whatever it runs;
//   *.mjs             ES module wrappers that hand `import` the same CommonJS module (*.bundler.mjs: for bundlers);
//   *.d.ts, *.d.mts   the type declarations of the two public entries and of the modules their types reach.
// No source maps: they would point at lib/, which is not published.
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const lib = path.join(root, 'lib');
const dist = path.join(root, 'dist');
const require = createRequire(import.meta.url);
const esbuild = require('esbuild');
const ts = require('typescript');

/** Modules of the library proper: lib/*.ts but the separately built entries. */
function isCore(file) {
  return path.dirname(file) === lib && path.basename(file) !== 'testing.ts';
}

/** Resolves a relative import in lib/ to its source file. */
function sourceOf(importer, specifier) {
  const base = path.resolve(path.dirname(importer), specifier);
  return base.endsWith('.ts') ? base : `${base}.ts`;
}

/**
 * An esbuild plugin for the entries that are not the library: every import of a library module becomes a
 * require() of the bundle (index.js), so nothing of the library is bundled twice.
 */
function libraryFromBundle(outfile) {
  const bundle = `./${path.relative(path.dirname(outfile), path.join(dist, 'index.js')).split(path.sep).join('/')}`;
  return {
    name: 'library-from-bundle',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, ({ path: specifier, importer }) =>
        isCore(sourceOf(importer, specifier)) ? { path: bundle.replace(/^\.\/\.\.\//, '../'), external: true } : null,
      );
    },
  };
}

/**
 * The names that `files` import at run time from library modules (type-only imports aside), as
 * `{ name, module }`. Namespace and default imports of a library module are refused: their names cannot be
 * checked against the bundle.
 */
function libraryImports(files) {
  const found = [];
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022);
    for (const statement of source.statements) {
      const isImport = ts.isImportDeclaration(statement);
      if (!isImport && !ts.isExportDeclaration(statement)) continue;
      const specifier = statement.moduleSpecifier;
      if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('.')) continue;
      const module = sourceOf(file, specifier.text);
      if (!isCore(module)) continue;
      const clause = isImport ? statement.importClause : statement;
      if (!clause || clause.isTypeOnly) continue;
      const bindings = isImport ? clause.namedBindings : clause.exportClause;
      const named = bindings && (ts.isNamedImports(bindings) || ts.isNamedExports(bindings));
      if ((isImport && clause.name) || !named) {
        throw new Error(`${path.relative(root, file)}: import the library's modules by name (import { x } from ...)`);
      }
      for (const element of bindings.elements) {
        if (!element.isTypeOnly) found.push({ name: (element.propertyName ?? element.name).text, module, file });
      }
    }
  }
  return found;
}

// 1. The declarations of the public entries and of the modules they reach. Emitted without type-checking them
// (--noCheck: the same declarations): `npm run docs:check` checks this very program (typedoc on
// tsconfig.build.json, errors fail it) and `npm run lint` all the sources, so the build need not do it a third time.
// The project sets isolatedDeclarations, so every type the declarations hold is written in lib/ (the compiler
// fails on one it would have to infer): they need no type of @types/node, and the build leaves it out (`types:
// []`, half the program's parsing). The compiler runs in this process (it is loaded for step 3 anyway), as
// `tsc -p tsconfig.build.json --noCheck --types ''`.
rmSync(dist, { recursive: true, force: true });
emitDeclarations(path.join(root, 'tsconfig.build.json'));
pruneDeclarations(['index.d.ts', 'testing.d.ts'].map((file) => path.join(dist, file)));

/** Emits what the TypeScript project `configFile` emits, unchecked; reports its errors as tsc does, and fails on one. */
function emitDeclarations(configFile) {
  const diagnostics = [];
  const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (diagnostic) => diagnostics.push(diagnostic) };
  const config = ts.getParsedCommandLineOfConfigFile(configFile, { noCheck: true, types: [] }, host);
  if (config) {
    const compilerHost = ts.createCompilerHost(config.options);
    // As tsc parses: the JSDoc only where it can hold types (.js files), not every comment of @types/node.
    compilerHost.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeErrors;
    const program = ts.createProgram({
      rootNames: config.fileNames,
      options: config.options,
      host: compilerHost,
      projectReferences: config.projectReferences,
      configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(config),
    });
    // The diagnostics tsc reports, in its order: each kind only when those before it found nothing.
    diagnostics.push(...program.getConfigFileParsingDiagnostics(), ...program.getSyntacticDiagnostics());
    if (diagnostics.length === 0)
      diagnostics.push(...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics());
    if (diagnostics.length === 0) diagnostics.push(...program.getSemanticDiagnostics());
    diagnostics.push(...program.emit().diagnostics);
  }
  const errors = ts.sortAndDeduplicateDiagnostics(diagnostics);
  if (errors.length === 0) return;
  const formatHost = {
    getCanonicalFileName: (file) => file,
    getCurrentDirectory: () => process.cwd(),
    getNewLine: () => '\n',
  };
  const format = process.stderr.isTTY ? ts.formatDiagnosticsWithColorAndContext : ts.formatDiagnostics;
  process.stderr.write(format(errors, formatHost));
  if (errors.some((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error)) process.exit(1);
}

/**
 * tsc emits a declaration file for every module the entries import, types or not: keeps only those the public
 * declarations reach (through `from '...'` and `import('...')`), so the package ships no unreachable module.
 */
function pruneDeclarations(entries) {
  const reached = new Set();
  const pending = [...entries];
  while (pending.length > 0) {
    const file = pending.pop();
    if (reached.has(file) || !existsSync(file)) continue;
    reached.add(file);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(
      /(?:\bfrom\s*|\bimport\s*\(\s*)['"](\.\.?\/[^'"]+)['"]/g,
    )) {
      pending.push(path.join(path.dirname(file), `${specifier.replace(/\.js$/, '')}.d.ts`));
    }
  }
  for (const name of readdirSync(dist, { recursive: true })) {
    const file = path.join(dist, name);
    if (name.endsWith('.d.ts') && !reached.has(file)) rmSync(file);
  }
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Loaded lazily by the library, and shared with the application's copies.
  external: ['tapable', 'debug', 'semver'],
  logLevel: 'warning',
  metafile: true,
  // The metafile's paths are relative to this folder; the build runs from anywhere (the examples build it too).
  absWorkingDir: root,
};

// 2. The entries that load the library from the bundle.
const outside = [
  { entry: path.join(lib, 'testing.ts'), outfile: path.join(dist, 'testing.js') },
  { entry: path.join(lib, 'cli', 'main.ts'), outfile: path.join(dist, 'cli', 'main.js') },
  { entry: path.join(lib, 'cli', 'probe-child.ts'), outfile: path.join(dist, 'cli', 'probe-child.js') },
];
const inputs = new Set();
for (const { entry, outfile } of outside) {
  const { metafile } = await esbuild.build({
    ...common,
    entryPoints: [entry],
    outfile,
    plugins: [libraryFromBundle(outfile)],
  });
  for (const input of Object.keys(metafile.inputs)) inputs.add(path.resolve(root, input));
}

// 3. The library. The public names are lib/index.ts's; a name the command imports from a module of the library
// that index.ts does not export is exported by the bundle too, for the command only (it is in neither the types
// nor the ES module wrapper).
async function buildLibrary(extra) {
  const outfile = path.join(dist, 'index.js');
  if (extra.size === 0) return esbuild.build({ ...common, entryPoints: [path.join(lib, 'index.ts')], outfile });
  const lines = ["export * from './index';"];
  for (const [module, names] of extra) {
    lines.push(`export { ${[...names].join(', ')} } from './${path.basename(module, '.ts')}';`);
  }
  return esbuild.build({
    ...common,
    stdin: { contents: lines.join('\n'), resolveDir: lib, sourcefile: 'index-and-cli-internals.ts', loader: 'ts' },
    outfile,
  });
}
await buildLibrary(new Map());
const bundlePath = path.join(dist, 'index.js');
const publicNames = Object.keys(require(bundlePath)).filter((name) => name !== '__esModule');
const extra = new Map();
for (const { name, module, file } of libraryImports([...inputs].filter((file) => !isCore(file)))) {
  if (publicNames.includes(name)) continue;
  if (path.basename(file) === 'testing.ts') {
    throw new Error(`lib/testing.ts imports ${name}, which the library does not export`);
  }
  if (!extra.has(module)) extra.set(module, new Set());
  extra.get(module).add(name);
}
if (extra.size > 0) {
  delete require.cache[bundlePath];
  await buildLibrary(extra);
}

// 4. The ES module wrappers. In Node (exports condition `default`) they get the CommonJS module through require():
// an `import` or `export ... from` of a CommonJS file would make Node's ES module loader lex all of it for its
// export names, which costs several times what loading it does. Bundlers follow only static imports, so they get
// (condition `module`, which bundlers match and Node does not) a wrapper that imports the CommonJS file.
for (const entry of ['index', 'testing']) {
  const file = path.join(dist, `${entry}.js`);
  const names = Object.keys(require(file)).filter(
    (name) => name !== '__esModule' && (entry !== 'index' || publicNames.includes(name)),
  );
  const reexport = `export const { ${names.join(', ')} } = cjs;\n`;
  writeFileSync(
    path.join(dist, `${entry}.mjs`),
    `import { createRequire } from 'node:module';\nconst cjs = createRequire(import.meta.url)('./${entry}.js');\n${reexport}`,
  );
  writeFileSync(path.join(dist, `${entry}.bundler.mjs`), `import cjs from './${entry}.js';\n${reexport}`);
  writeFileSync(path.join(dist, `${entry}.d.mts`), `export * from './${entry}.js';\n`);
}
chmodSync(path.join(dist, 'cli', 'main.js'), 0o755);
