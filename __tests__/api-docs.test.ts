/**
 * The API reference (TypeDoc) shows what the doc comments say: every exported
 * class and its public and protected members have a doc comment of their own,
 * and the comment TypeDoc picks (the last one before a member) is a real one,
 * not a bare `@ts-expect-error` directive that hides the documentation.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const LIB = path.join(__dirname, '..', 'lib');
const MANAGER_FILES = [
  'extension.ts',
  'named.ts',
  'enabled.ts',
  'dispatch.ts',
  'driver.ts',
  'hook.ts',
  'exception.ts',
  'bundle.ts',
  'trust.ts',
  'registry.ts',
];

/** The summary of the doc comment TypeDoc uses for `node`: its last JSDoc comment. */
function summary(node: ts.Node): { has: boolean; text: string; tags: string[] } {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const last = docs[docs.length - 1];
  if (!last) return { has: false, text: '', tags: [] };
  return {
    has: true,
    text: (ts.getTextOfJSDocComment(last.comment) ?? '').trim(),
    tags: (last.tags ?? []).map((tag) => tag.tagName.text),
  };
}

function undocumented(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(path.join(LIB, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const missing: string[] = [];
  for (const statement of source.statements) {
    if (!ts.isClassDeclaration(statement) || !statement.name) continue;
    if (!statement.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword)) continue;
    const className = statement.name.text;
    if (!summary(statement).text) missing.push(`${file}: class ${className}`);
    for (const member of statement.members) {
      const flags = ts.getCombinedModifierFlags(member as ts.Declaration);
      if (flags & ts.ModifierFlags.Private || (member.name && ts.isPrivateIdentifier(member.name))) continue;
      if (ts.isClassStaticBlockDeclaration(member) || ts.isSemicolonClassElement(member)) continue;
      const doc = summary(member);
      const label = `${file}: ${className}.${member.name?.getText(source) ?? 'constructor'}`;
      if (ts.isConstructorDeclaration(member)) {
        if (!doc.text && !doc.tags.includes('param')) missing.push(label);
      } else if (doc.has ? !doc.text : !(flags & ts.ModifierFlags.Override)) {
        // An override with no comment inherits its base's; one with a comment shows only that comment.
        missing.push(label);
      }
    }
  }
  return missing;
}

test.each(MANAGER_FILES)('%s: every exported class and member TypeDoc shows has a doc comment', (file) => {
  expect(undocumented(file)).toEqual([]);
});

test('the check sees a member whose last comment is only a directive', () => {
  const source = ts.createSourceFile(
    'x.ts',
    'class A { /** Real docs. */\n/** @ts-expect-error -- why */\nm(): void {} }',
    ts.ScriptTarget.Latest,
    true,
  );
  const member = (source.statements[0] as ts.ClassDeclaration).members[0];
  expect(summary(member)).toEqual({ has: true, text: '', tags: ['ts-expect-error'] });
});
