// The source's import graph: no file reaches itself through imports (type-only ones included), the layers point one
// way (core ← engine ← client ← store ← ui), and the worker protocol is a leaf of the engine. Imports are read with
// TypeScript's own pre-processor, so `import type`, `export … from` and `import()` all count.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../../src');
/** Lowest first: a file may import its own layer and those below it. Top-level files (main.tsx) sit above all. */
const LAYERS = ['core', 'engine', 'client', 'store', 'ui'] as const;

type Graph = Map<string, string[]>;


function sourceFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** A relative specifier as the bundler resolves it: the file itself, with .ts or .tsx, or the folder's index.ts. */
function resolveImport(from: string, specifier: string): string | null {
  const base = resolve(dirname(from), specifier.replace(/\?.*$/, ''));
  const found = [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')]
    .find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
  return found ?? null;
}

/** Files under src (as paths relative to it) and the src files each one imports. */
function importGraph(): { graph: Graph; unresolved: string[] } {
  const graph: Graph = new Map();
  const unresolved: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = new Set<string>();
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = resolveImport(file, fileName);
      if (target === null) unresolved.push(`${relative(SRC, file)}: ${fileName}`);
      else targets.add(relative(SRC, target));
    }
    graph.set(relative(SRC, file), [...targets].sort());
  }
  return { graph, unresolved };
}

/** Every circle a depth-first walk meets (one per edge back into the walk's path), each as a → b → … → a. */
export function findCycles(graph: Graph): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const seen = state.get(next);
      if (seen === 'open') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (seen === undefined) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

function layerOf(file: string): number {
  const top = file.split('/')[0];
  const index = (LAYERS as readonly string[]).indexOf(top);
  return index >= 0 ? index : file.includes('/') ? -1 : LAYERS.length;
}

describe('findCycles', () => {
  it('finds a circle, a self-import and a circle behind a DAG part, and nothing in a DAG', () => {
    const cyclic: Graph = new Map([['a', ['b']], ['b', ['c']], ['c', ['a', 'd']], ['d', []], ['e', ['e']]]);
    expect(findCycles(cyclic)).toEqual([['a', 'b', 'c', 'a'], ['e', 'e']]);
    const behind: Graph = new Map([['a', ['x']], ['x', ['y']], ['y', ['z']], ['z', ['x']]]);
    expect(findCycles(behind)).toEqual([['x', 'y', 'z', 'x']]);
    const dag: Graph = new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]]);
    expect(findCycles(dag)).toEqual([]);
  });
});

describe('the import graph of src', () => {
  const { graph, unresolved } = importGraph();

  it('reads every file and resolves every relative import', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('engine/worker.ts')?.length ?? 0).toBeGreaterThan(0);
    expect(unresolved).toEqual([]);
  });

  it('has no import circles, type-only imports included', () => {
    const cycles = findCycles(graph).map((cycle) => cycle.join(' → '));
    expect(cycles, `import circles:\n${cycles.join('\n')}`).toEqual([]);
  });

  it('points one way: core ← engine ← client ← store ← ui', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      expect(layerOf(file), `${file} is in no layer`).toBeGreaterThanOrEqual(0);
      for (const target of targets) if (layerOf(target) > layerOf(file)) upward.push(`${file} → ${target}`);
    }
    expect(upward).toEqual([]);
  });

  it('keeps the worker protocol a leaf: protocol.ts imports core types only', () => {
    expect(graph.get('engine/protocol.ts')?.filter((target) => !target.startsWith('core/'))).toEqual([]);
  });
});
