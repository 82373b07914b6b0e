import { expect, it } from 'vitest';
import { readmeBlocks } from './helpers/readme-blocks.js';

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
