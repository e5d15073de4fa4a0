import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers/paths.ts';

/**
 * Imports flow downward (docs/architecture.md): every folder of src/ sits in a layer, a file imports only
 * from its own layer or the ones below, and no two folders import each other, however indirectly.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['util'],
  ['model', 'de', 'embedding', 'targets', 'stats', 'synthetic'],
  ['instruments', 'culturalbench', 'eval', 'report', 'program', 'train', 'doctor', 'bundle', 'queue'],
  ['app'],
  // src/index.ts is the library's entry, beside the command line.
  ['cli', 'index.ts'],
];

interface Edge {
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Relative specifiers of `import ... from`, `export ... from`, `import '...'` and `import('...')`. */
function relativeImports(text: string): string[] {
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;
  return [...text.matchAll(pattern)].map((match) => match[1]);
}

/** Every relative import inside src/, as repository-relative paths with forward slashes. */
function importEdges(): Edge[] {
  const relative = (file: string) => path.relative(REPO, file).split(path.sep).join('/');
  return sourceFiles(path.join(REPO, 'src')).flatMap((file) =>
    relativeImports(fs.readFileSync(file, 'utf8')).map((specifier) => ({ from: relative(file), to: relative(path.resolve(path.dirname(file), specifier)) })),
  );
}

/** The unit a file belongs to: its folder right under src/, or the file's name for a file at src/'s top. */
function unitOf(file: string): string {
  return file.split('/')[1];
}

function layerOf(unit: string, layers: readonly (readonly string[])[]): number {
  return layers.findIndex((layer) => layer.includes(unit));
}

const label = (edge: Edge) => `${edge.from} -> ${edge.to}`;

/** Imports from a higher layer than the importing file's. */
function upwardEdges(edges: readonly Edge[], layers: readonly (readonly string[])[]): Edge[] {
  return edges.filter((edge) => layerOf(unitOf(edge.to), layers) > layerOf(unitOf(edge.from), layers));
}

/** Cycles between units, each as the units in order (first repeated at the end); Tarjan's strongly connected components. */
function unitCycles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    const [a, b] = [unitOf(from), unitOf(to)];
    if (a !== b) next.set(a, (next.get(a) ?? new Set()).add(b));
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const components: string[][] = [];
  const visit = (unit: string) => {
    index.set(unit, index.size);
    low.set(unit, index.get(unit)!);
    stack.push(unit);
    for (const other of next.get(unit) ?? []) {
      if (!index.has(other)) {
        visit(other);
        low.set(unit, Math.min(low.get(unit)!, low.get(other)!));
      } else if (stack.includes(other)) {
        low.set(unit, Math.min(low.get(unit)!, index.get(other)!));
      }
    }
    if (low.get(unit) === index.get(unit)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        component.push(member);
      } while (member !== unit);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const unit of next.keys()) if (!index.has(unit)) visit(unit);
  return components;
}

describe('the checks themselves', () => {
  const toy = [['low'], ['high']];
  it('find an import from a higher layer, and only that one', () => {
    const edges = [
      { from: 'src/high/a.ts', to: 'src/low/b.ts' },
      { from: 'src/low/b.ts', to: 'src/high/c.ts' },
      { from: 'src/low/b.ts', to: 'src/low/d.ts' },
    ];
    expect(upwardEdges(edges, toy).map(label)).toEqual(['src/low/b.ts -> src/high/c.ts']);
  });

  it('find a cycle between folders of one layer, however long, and no cycle inside a folder', () => {
    const ring = [
      { from: 'src/a/1.ts', to: 'src/b/1.ts' },
      { from: 'src/b/1.ts', to: 'src/c/1.ts' },
      { from: 'src/c/2.ts', to: 'src/a/2.ts' },
      { from: 'src/d/1.ts', to: 'src/d/2.ts' },
      { from: 'src/d/2.ts', to: 'src/d/1.ts' },
      { from: 'src/d/1.ts', to: 'src/a/1.ts' },
    ];
    expect(unitCycles(ring)).toEqual([['a', 'b', 'c']]);
    expect(unitCycles(ring.slice(0, 2))).toEqual([]);
  });

  it('read every form of import', () => {
    const text = [
      "import fs from 'node:fs';",
      "import type { A } from '../x/a.ts';",
      'import {\n  B,\n  C,\n} from "./b.ts";',
      "export { D } from './d.ts';",
      "export * from '../e/index.ts';",
      "import './side-effect.ts';",
      "const lazy = await import('./lazy.ts');",
    ].join('\n');
    expect(relativeImports(text)).toEqual(['../x/a.ts', './b.ts', './d.ts', '../e/index.ts', './side-effect.ts', './lazy.ts']);
  });
});

describe('src/ imports flow downward', () => {
  const edges = importEdges();

  it('reads imports that name real files, in folders the layer table places', () => {
    expect(edges.length).toBeGreaterThan(500);
    expect(edges.filter((edge) => !fs.existsSync(path.join(REPO, edge.to))).map(label)).toEqual([]);
    const units = new Set(edges.flatMap((edge) => [unitOf(edge.from), unitOf(edge.to)]));
    expect([...units].filter((unit) => layerOf(unit, LAYERS) < 0)).toEqual([]);
  });

  it('has no import from a higher layer', () => {
    expect(upwardEdges(edges, LAYERS).map(label)).toEqual([]);
  });

  it('has no cycle between folders', () => {
    expect(unitCycles(edges)).toEqual([]);
  });
});

describe('one evaluator calls the scorer', () => {
  it('outside the model runtime, only src/instruments/evaluator.ts scores requests (instruments, CulturalBench, DISCA and the knowledge objective go through it)', () => {
    const calls = sourceFiles(path.join(REPO, 'src'))
      .filter((file) => !file.includes(`${path.sep}src${path.sep}model${path.sep}`))
      .filter((file) => /\b(scorer|model|pool)\.(score|scoreCandidates)\(/.test(fs.readFileSync(file, 'utf8')))
      .map((file) => path.relative(REPO, file));
    expect(calls).toEqual([path.join('src', 'instruments', 'evaluator.ts')]);
  });
});
