import { importsWithKind, productionFiles, resolveImport, source, withoutComments } from './source-files';

/**
 * The libraries depend one way (docs/architecture.md, "Layers"):
 * proof ← domain ← event-store ← platform ← projections ← apps. A library may
 * import itself and the libraries below it, never one above it nor an app
 * (type imports included); and no chain of imports between production files,
 * type imports included, comes back to where it started.
 */
const LAYERS = ['proof', 'domain', 'event-store', 'platform', 'projections'] as const;

const layerOf = (file: string): number => {
  const lib = /^libs\/([^/]+)\//.exec(file)?.[1];
  if (lib === undefined) return LAYERS.length; // apps (and anything else) sit on top
  const index = (LAYERS as readonly string[]).indexOf(lib);
  if (index < 0) throw new Error(`${file}: library ${lib} has no place in the layers: add it to LAYERS and docs/architecture.md`);
  return index;
};

const name = (layer: number) => LAYERS[layer] ?? 'apps';

/** file → the production files it imports, `import type` included. */
function importGraph(): Map<string, string[]> {
  const files = productionFiles('libs', 'apps');
  const known = new Set(files);
  return new Map(
    files.map((file) => [
      file,
      importsWithKind(source(file))
        .map((i) => resolveImport(file, i.specifier))
        .filter((t): t is string => t !== undefined && known.has(t)),
    ]),
  );
}

/** Imports from a library to a library above it or to an app. */
export function againstTheLayers(graph: Map<string, string[]>): string[] {
  const wrong: string[] = [];
  for (const [file, targets] of graph) {
    if (!file.startsWith('libs/')) continue;
    for (const target of targets) {
      if (layerOf(target) > layerOf(file)) wrong.push(`${file} (${name(layerOf(file))}) imports ${target} (${name(layerOf(target))})`);
    }
  }
  return wrong;
}

/** Strongly connected components of more than one file, or a file importing itself (Tarjan). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('dependencies between libraries and files', () => {
  const graph = importGraph();

  it('reads the imports of the production files (the check sees the code)', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('libs/projections/src/projections.module.ts')).toEqual(expect.arrayContaining(['libs/event-store/src/event-store.ts']));
    expect(graph.get('libs/proof/src/bundle-checker.js')).toEqual(['libs/proof/src/canonical.js', 'libs/proof/src/key-chain.js', 'libs/proof/src/witness.js']);
  });

  it('no library imports a library above it, nor an app', () => {
    expect(againstTheLayers(graph)).toEqual([]);
  });

  it('the layer check finds an import against the order when there is one', () => {
    const graph = new Map([
      ['libs/event-store/src/ledger/sealer.ts', ['libs/platform/src/config.ts', 'libs/domain/src/shared/streams.ts']],
      ['libs/platform/src/config.ts', ['apps/api/src/main.ts']],
      ['apps/api/src/main.ts', ['libs/projections/src/projections.module.ts']],
    ]);
    expect(againstTheLayers(graph)).toEqual([
      'libs/event-store/src/ledger/sealer.ts (event-store) imports libs/platform/src/config.ts (platform)',
      'libs/platform/src/config.ts (platform) imports apps/api/src/main.ts (apps)',
    ]);
  });

  it('no import() or require() names an @app alias: the tsc build of the Docker image rewrites aliases in static imports only', () => {
    const dynamicAlias = /\b(?:import|require)\s*\(\s*['"]@app\//;
    const offenders = productionFiles('libs', 'apps').filter((file) => dynamicAlias.test(withoutComments(source(file))));
    expect(offenders).toEqual([]);
    expect(dynamicAlias.test("await import('@app/platform/observability/metrics')")).toBe(true);
  });

  it('no module cycle', () => {
    expect(cycles(importGraph())).toEqual([]);
  });

  it('tells type imports from the others', () => {
    const text = "import type { A } from './a';\nimport { type B, C } from './b';\nexport type { D } from './d';\nexport * from './e';\nconst f = require('./f');";
    expect(importsWithKind(text)).toEqual([
      { specifier: './a', typeOnly: true },
      { specifier: './b', typeOnly: false },
      { specifier: './d', typeOnly: true },
      { specifier: './e', typeOnly: false },
      { specifier: './f', typeOnly: false },
    ]);
  });

  it('the cycle finder finds a cycle when there is one', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
      ['e', ['e']],
    ]);
    expect(cycles(graph)).toEqual([['a', 'b', 'c'], ['e']]);
  });
});
