import { parseFilter, GRAMMARS } from './index.js';
const one = "metrics.a > 1 AND params.`x y` LIKE 'abc%' AND ";
const text = one.repeat(Math.floor(9990 / one.length)) + 'tags.t IS NULL';
const inList = `run_id IN (${Array.from({ length: 1600 }, (_, i) => `'r${i}'`).join(',')})`;
for (const [name, t] of [['and-chain', text], ['in-list', inList], ['one string', `tags.a = '${'x'.repeat(9985)}'`]] as const) {
  for (let i = 0; i < 50; i++) parseFilter(t, GRAMMARS.runs);
  const n = 200; const t0 = performance.now();
  for (let i = 0; i < n; i++) parseFilter(t, GRAMMARS.runs);
  console.log(name, t.length, 'chars', ((performance.now() - t0) / n).toFixed(3), 'ms/parse', parseFilter(t, GRAMMARS.runs).length, 'comparisons');
}
