/** @module Small measurement helpers: percentiles, timed HTTP calls, a sequential latency sampler. */

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export interface Latency {
  p50: number;
  p95: number;
  n: number;
}

export function summarize(samples: number[]): Latency {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: round(percentile(s, 50)), p95: round(percentile(s, 95)), n: s.length };
}

export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

export async function http(method: string, url: string, body?: unknown): Promise<any> {
  const res = await fetch(url, body === undefined ? { method } : { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} -> ${res.status}: ${text.slice(0, 300)}`);
  return text && text[0] === '{' ? JSON.parse(text) : text;
}

/**
 * Latency of one request, repeated sequentially: `warmup` untimed calls, then `n` timed ones.
 * The time includes reading and parsing the whole response, as a client would.
 */
export async function sampleLatency(n: number, warmup: number, call: () => Promise<unknown>): Promise<Latency> {
  for (let i = 0; i < warmup; i++) await call();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await call();
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}
