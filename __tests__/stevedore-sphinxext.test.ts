/**
 * Port of stevedore/tests/test_sphinxext.py: the `list-plugins` Sphinx
 * directive is `stevedore docs GROUP` here, which writes Markdown. A
 * plugin's docstring is its `description`; `:detailed:` is `--detailed`,
 * the over/underline styles are `--heading-level`. Run through the real
 * command line (in-process; plugins are loaded in a child process).
 */
import { main } from '../lib/cli/cli';
import type { CliIo } from '../lib/cli/output';
import { createPackageTree } from '../lib/testing';
import type { FixturePackage, PackageTree } from '../lib/testing';

const GROUP = 'group';
const trees: PackageTree[] = [];
afterAll(() => trees.forEach((t) => t.cleanup()));
beforeAll(() => {
  process.env.STEVEDORE_CACHE = '0';
});
afterAll(() => {
  delete process.env.STEVEDORE_CACHE;
});

/** stevedore's `_make_ext(name, docstring)`: a plugin class whose documentation is `docstring`. */
function makeExt(name: string, docstring: string | null): FixturePackage {
  const Cls = name[0].toUpperCase() + name.slice(1);
  const description = docstring === null ? '' : `  static description = ${JSON.stringify(docstring)};\n`;
  return {
    name: `${name}_module`,
    entryPoints: { [GROUP]: { [name]: `./index.js:${Cls}` } },
    files: { 'index.js': `exports.${Cls} = class ${Cls} {\n${description}};\n` },
  };
}

async function docs(packages: FixturePackage[], ...flags: string[]): Promise<{ status: number; out: string }> {
  const t = createPackageTree({ packages });
  trees.push(t);
  let out = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: () => undefined },
    cwd: t.root,
    isTTY: false,
    color: false,
  };
  const status = await main(['docs', GROUP, '--timeout', '10000', ...flags], io);
  return { status, out };
}

const exts = [makeExt('test1', 'One-line docstring'), makeExt('test2', 'Multi-line docstring\n\nAnother para')];

describe('TestSphinxExt', () => {
  test('simpleList', async () => {
    expect(await docs(exts)).toEqual({
      status: 0,
      out: '- `test1` — One-line docstring\n- `test2` — Multi-line docstring\n',
    });
  });

  test('simpleListNoDocstring', async () => {
    expect(await docs([makeExt('nodoc', null)])).toEqual({ status: 0, out: '- `nodoc`\n' });
  });

  test('detailedList', async () => {
    expect(await docs(exts, '--detailed')).toEqual({
      status: 0,
      out: '## test1\n\nOne-line docstring\n\n## test2\n\nMulti-line docstring\n\nAnother para\n',
    });
  });

  test('detailedListFormat', async () => {
    // `over='+', under='+'` chose the heading's look; Markdown's is its level.
    expect(await docs(exts, '--detailed', '--heading-level', '4')).toEqual({
      status: 0,
      out: '#### test1\n\nOne-line docstring\n\n#### test2\n\nMulti-line docstring\n\nAnother para\n',
    });
  });

  test('detailedListNoDocstring', async () => {
    expect(await docs([makeExt('nodoc', null)], '--detailed')).toEqual({
      status: 0,
      out: '## nodoc\n\n> **Warning:** No documentation found for `nodoc` in `./index.js:Nodoc`.\n',
    });
  });
});
