import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readmeBlocks } from './helpers/readme-blocks.js';
import { README_GROUPS, readmeFile } from './helpers/readme-examples.js';
import { REPO } from './helpers/user-project.js';

it('reads runnable blocks, files, fragments and skips as the README test documents them', () => {
  const md = [
    '```sh', 'echo hi', '```',
    '```ts fragment: uses `ty` from above', 'await ty.close();', '```',
    '<!-- readme-test: skip needs a cluster -->', '', '```bash', 'kubectl apply', '```',
    '```ts', '// objective.ts', 'export default async () => 1;', '```',
    '```', 'pseudo | syntax', '```',
    '```python', 'print(1)', '```',
  ].join('\n');
  const blocks = readmeBlocks(md);
  expect(blocks.map((b) => [b.line, b.lang, b.kind, b.file, b.skip])).toEqual([
    [1, 'sh', 'shell', undefined, undefined],
    [4, 'ts', 'ts', undefined, 'uses `ty` from above'],
    [9, 'bash', 'shell', undefined, 'needs a cluster'],
    [12, 'ts', 'ts', 'objective.ts', undefined],
    [16, '', undefined, undefined, undefined],
    [19, 'python', 'python', undefined, undefined],
  ]);
  expect(blocks[0]!.code).toBe('echo hi\n');
});

it('puts every README section with a block in exactly one README-examples group, each with its own test file', () => {
  const inGroups = Object.entries(README_GROUPS).flatMap(([group, sections]) => sections.map((s) => [s, group] as const));
  const owners = new Map<string, string[]>();
  for (const [section, group] of inGroups) owners.set(section, [...(owners.get(section) ?? []), group]);
  expect([...owners].filter(([, groups]) => groups.length > 1)).toEqual([]);

  const blocks = readmeBlocks(readmeFile());
  const orphans = blocks.filter((b) => !owners.has(b.section)).map((b) => `README.md:${b.line} in "${b.section}"`);
  expect(orphans, 'add the section to README_GROUPS in test/helpers/readme-examples.ts').toEqual([]);

  // A group naming a section the README no longer has would silently run nothing for it.
  const headings = new Set(readmeFile().split('\n').map((l) => /^#{1,2}\s+(.+?)\s*$/.exec(l)?.[1]).filter(Boolean));
  expect([...owners.keys()].filter((s) => !headings.has(s))).toEqual([]);

  for (const group of Object.keys(README_GROUPS)) {
    const file = join(REPO, 'test', `readme-examples-${group}.slow.test.ts`);
    expect(existsSync(file) && readFileSync(file, 'utf8').includes(`describeReadmeGroup('${group}')`), file).toBe(true);
  }
});
