import { useEffect, useRef, useState } from 'react';

/**
 * @module Live pages over server-sent events: one connection per view, the server sends a
 * snapshot whenever it changed (the runs table's pattern). EventSource reconnects by itself;
 * the server answers a new connection with the current snapshot and a fresh log tail.
 */

/** Opens `url` (null: none) and calls `handlers[event]` with each event's parsed JSON. */
export function useEventStream(url: string | null, handlers: Record<string, (data: any) => void>): void {
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    if (!url) return;
    const es = new EventSource(url);
    for (const name of Object.keys(ref.current)) es.addEventListener(name, (ev) => ref.current[name]?.(JSON.parse((ev as MessageEvent).data)));
    return () => es.close();
  }, [url]);
}

/** The most text a followed log keeps in the page (older lines drop off the top). */
const KEEP_CHARS = 512 * 1024;

export interface LogEvent { text: string; skipped: number; reset: boolean }

/** A followed log: a `log` event with reset starts over (first tail, rotated file); others append. */
export function useLogText(): [string | undefined, (e: LogEvent) => void] {
  const [text, setText] = useState<string | undefined>(undefined);
  const onLog = (e: LogEvent) =>
    setText((prev) => {
      const head = e.reset && e.skipped > 0 ? `… (${e.skipped} earlier bytes not shown)\n` : '';
      const next = e.reset || prev === undefined ? head + e.text : prev + e.text;
      return next.length > KEEP_CHARS ? next.slice(next.indexOf('\n', next.length - KEEP_CHARS) + 1) : next;
    });
  return [text, onLog];
}

/** Builds a URL with a query string, leaving out empty values. */
export function withQuery(path: string, q: Record<string, string | number | null | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}
