import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import known from './domain-imports.known.json' with { type: 'json' };

/**
 * Issue 12 house-keeping, the layout rule of DESIGN.md checked over the source: a domain (a folder
 * under src/) uses another only through that domain's index.ts, and the domains' import graph
 * has no cycle. Static imports and re-exports count, type-only ones included (they are the same
 * coupling); dynamic `import()` counts too. Tests (*.test.ts, *.contract.ts) may reach inside.
 * `core` is the shared kernel (ids, errors, route types, mutex: one small module each, no index),
 * importable file by file.
 *
 * The imports that broke the rule when this check landed are listed in domain-imports.known.json:
 * a ratchet. A new one fails here; fixing a listed one fails too until it is struck from the list,
 * so the list only shrinks.
 */
const SRC = resolve(import.meta.dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.tsx?$/.test(name) && !/\.(test|contract)\.ts$/.test(name) && !name.endsWith('.d.ts') ? [p] : [];
  });
}

const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

interface Edge { from: string; to: string; fromDomain: string; toDomain: string }

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec || !spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      const rel = relative(SRC, target);
      if (rel.startsWith('..')) continue;
      const fromRel = relative(SRC, file);
      out.push({ from: fromRel, to: rel, fromDomain: fromRel.split(sep)[0]!, toDomain: rel.split(sep)[0]! });
    }
  }
  return out;
}

/** Domain-level cycles (each as a path a -> b -> ... -> a), found by DFS. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 'open') found.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return found;
}

describe('domain imports (DESIGN.md layout rule)', () => {
  const all = edges();

  it('reads the imports (the scan itself works)', () => {
    expect(all.length).toBeGreaterThan(100);
    expect(all.some((e) => e.fromDomain === 'server' && e.toDomain === 'tracking')).toBe(true);
  });

  it("a domain imports another only through that domain's index.ts (beyond the known list)", () => {
    const bad = [
      ...new Set(
        all
          .filter((e) => e.fromDomain !== e.toDomain && e.to.includes(sep) && e.toDomain !== 'core')
          .filter((e) => e.to !== join(e.toDomain, 'index.ts'))
          .map((e) => `${e.from} -> ${e.to}`.split(sep).join('/')),
      ),
    ].sort();
    const listed = new Set(known.deepImports);
    expect(bad.filter((b) => !listed.has(b)), 'new deep imports: import the domain\'s index.ts instead').toEqual([]);
    expect(known.deepImports.filter((k) => !bad.includes(k)), 'fixed: strike these from domain-imports.known.json').toEqual([]);
  });

  it('the domains import each other without a cycle (beyond the known list)', () => {
    const graph = new Map<string, Set<string>>();
    for (const e of all) {
      if (e.fromDomain === e.toDomain || !e.to.includes(sep)) continue;
      if (!graph.has(e.fromDomain)) graph.set(e.fromDomain, new Set());
      graph.get(e.fromDomain)!.add(e.toDomain);
    }
    const found = cycles(graph).map((c) => c.join(' -> ')).sort();
    expect(found.filter((c) => !known.cycles.includes(c)), 'new import cycle between domains').toEqual([]);
    expect(known.cycles.filter((c) => !found.includes(c)), 'fixed: strike these from domain-imports.known.json').toEqual([]);
  });

  it('finds a cycle and a deep import when there is one (the checks can fail)', () => {
    const g = new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])], ['d', new Set(['a'])]]);
    expect(cycles(g).map((c) => c.join(' -> '))).toEqual(['a -> b -> c -> a']);
  });
});
