import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** The repository root. */
export const ROOT = resolve(__dirname, '..', '..');

const TEST_FILE = /\.(spec|int-spec|e2e-spec)\.[jt]s$/;

/** Test kits ship beside the code they exercise but are not production code. */
const TEST_KIT_DIR = `${sep}testing${sep}`;

/** Every production TypeScript (and JavaScript) file under these folders (tests and `testing/` kits left out), as paths from the root. */
export function productionFiles(...folders: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name === 'dist') continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.[jt]s$/.test(name) && !name.endsWith('.d.ts') && !TEST_FILE.test(name) && !path.includes(TEST_KIT_DIR)) out.push(relative(ROOT, path));
    }
  };
  for (const folder of folders) walk(join(ROOT, folder));
  return out.sort();
}

export const source = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

/** Comments blanked out (strings kept): an import or a table named in a comment is no dependency. */
export function withoutComments(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; ) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

export interface Import {
  specifier: string;
  /** `import type` / `export type`: erased at compile time, so no load-order dependency. */
  typeOnly: boolean;
}

/** The module specifiers a file imports or re-exports (static, dynamic and require). */
export function importsOf(text: string): string[] {
  return importsWithKind(text).map((i) => i.specifier);
}

export function importsWithKind(text: string): Import[] {
  const code = withoutComments(text);
  const found: Import[] = [];
  for (const m of code.matchAll(/\b(import|export)(\s+type)?\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]/g)) found.push({ specifier: m[3], typeOnly: m[2] !== undefined });
  for (const re of [/\bimport\s*['"]([^'"]+)['"]/g, /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g]) for (const m of code.matchAll(re)) found.push({ specifier: m[1], typeOnly: false });
  return found;
}

const LIB_ALIAS = /^@app\/(proof|domain|event-store|projections|platform)\/(.+)$/;

/** The file an import names, as a path from the root; undefined for a package. */
export function resolveImport(from: string, specifier: string): string | undefined {
  let base: string;
  const alias = LIB_ALIAS.exec(specifier);
  if (alias) base = join('libs', alias[1], 'src', alias[2]);
  else if (specifier.startsWith('.')) base = join(dirname(from), specifier);
  else return undefined;
  // The console's ES modules import `./dom.js` for the `dom.ts` they are compiled from.
  for (const candidate of [base, `${base}.ts`, `${base}.js`, join(base, 'index.ts'), base.replace(/\.js$/, '.ts')]) {
    if (existsSync(join(ROOT, candidate)) && statSync(join(ROOT, candidate)).isFile()) return candidate;
  }
  return base;
}
