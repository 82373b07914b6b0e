import { api, loadSession, type SessionUser } from '../api/client';
import type { Run } from '../api/types';
import { parseColumns, parsePlotState, plotColumns } from '../lib/url-state';
import { match } from '../router';

/**
 * @module The runs table's first search, started at boot beside the session check rather than
 * after React's first render and the page's effects (~200 ms later in Chromium's profile on this
 * project's machine): the first rows wait for the server only.
 */

/** The first page is small so the first rows show fast; it covers a tall screen's view. */
export const FIRST_PAGE = 100;
export const PARENT_TAG = 'mlflow.parentRunId';

export interface SearchPage { runs?: Run[]; next_page_token?: string }

/** What the runs table asks for, from the URL alone: only the columns shown travel. */
export function searchColumns(q: URLSearchParams): string[] {
  const c = new Set<string>([`tags.${PARENT_TAG}`]);
  for (const col of parseColumns(q.get('cols'))) c.add(`${col.family}.${col.key}`);
  const group = q.get('group');
  if (group) c.add(group);
  if (q.get('view') === 'plots') for (const col of plotColumns(parsePlotState(q))) c.add(col);
  return [...c];
}

export function searchBody(experimentId: string, filter: string, order: string, columns: string[], pageSize: number, pageToken?: string): Record<string, unknown> {
  return { experiment_ids: [experimentId], filter, order_by: order ? [order] : [], max_results: pageSize, columns, ...(pageToken ? { page_token: pageToken } : {}) };
}

let bootSession: Promise<SessionUser | null | 'auth-off'> | undefined;
let prefetched: { body: string; page: Promise<SearchPage> } | undefined;

/**
 * At boot: asks for the session, and when the address is a runs table, for its first page as
 * soon as the session allows (auth off, or signed in: the session carries the CSRF token).
 */
export function boot(path: string, search: string): void {
  const sent = (window as { trainyardSession?: Promise<Response> }).trainyardSession;
  bootSession = loadSession(sent?.catch(() => fetch('/api/v1/auth/session', { credentials: 'same-origin' })));
  const m = match('/experiments/:id', path);
  const q = new URLSearchParams(search);
  if (!m || q.get('view') === 'charts') return;
  const body = JSON.stringify(searchBody(m.id!, q.get('filter') ?? '', q.get('order') ?? '', searchColumns(q), FIRST_PAGE));
  const page = bootSession.then((s) => {
    if (s === null) throw new Error('sign-in wanted');
    return api<SearchPage>('POST', '/api/v1/runs/search', JSON.parse(body));
  });
  page.catch(() => undefined); // consumed (or dropped) by the page; never an unhandled rejection
  prefetched = { body, page };
}

/** The boot-time session answer, once (the app's first check); later checks ask the server again. */
export function takeBootSession(): Promise<SessionUser | null | 'auth-off'> {
  const s = bootSession ?? loadSession();
  bootSession = undefined;
  return s;
}

/**
 * The first page: the boot-time request when it asked for exactly this, else a new one. A failed
 * boot-time request (signed out then, say) is asked again, so its error is never the page's.
 */
export function firstPage(body: Record<string, unknown>): Promise<SearchPage> {
  const p = prefetched;
  prefetched = undefined;
  const fresh = () => api<SearchPage>('POST', '/api/v1/runs/search', body);
  if (p && p.body === JSON.stringify(body)) return p.page.catch(fresh);
  return fresh();
}
