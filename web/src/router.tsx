import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

/** @module A small router over the History API: the URL is the state (shareable views). */
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((l) => l());
window.addEventListener('popstate', emit);
const subscribe = (l: () => void) => (listeners.add(l), () => listeners.delete(l));

export function navigate(to: string, opts: { replace?: boolean } = {}) {
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  emit();
}

export function useLocation(): { path: string; search: URLSearchParams } {
  const href = useSyncExternalStore(subscribe, () => location.pathname + location.search);
  const [path, qs = ''] = href.split('?');
  return { path: path!, search: new URLSearchParams(qs) };
}

/** The query string as state: `set({ filter: 'x', sel: null })` merges (null removes). */
export function useQuery(): [URLSearchParams, (patch: Record<string, string | null | undefined>, opts?: { replace?: boolean }) => void] {
  const { path, search } = useLocation();
  const set = (patch: Record<string, string | null | undefined>, opts: { replace?: boolean } = { replace: true }) => {
    const next = new URLSearchParams(location.search);
    for (const [k, v] of Object.entries(patch)) {
      if (v === null || v === undefined || v === '') next.delete(k);
      else next.set(k, v);
    }
    const qs = next.toString();
    navigate(path + (qs ? `?${qs}` : ''), opts);
  };
  return [search, set];
}

/** `/runs/:id` against `/runs/abc` -> { id: 'abc' }, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/');
  const a = path.replace(/\/+$/, '').split('/');
  if (p.length !== a.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i]!.startsWith(':')) out[p[i]!.slice(1)] = decodeURIComponent(a[i]!);
    else if (p[i] !== a[i]) return null;
  }
  return out;
}

export function Link({ to, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={onClick} {...rest} />;
}
