/**
 * @module The UI's one door to the server (same origin). With `--auth` the browser holds an
 * HttpOnly session cookie and this module the session's CSRF token, sent on every write; a 401
 * anywhere tells the app to show the sign-in page. With auth off the acting user is the
 * unverified X-Trainyard-User name typed in the header.
 */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const USER_KEY = 'trainyard.user';
export const actingUser = (): string => localStorage.getItem(USER_KEY) ?? '';
export const setActingUser = (u: string) => localStorage.setItem(USER_KEY, u.trim());

/** The signed-in session's CSRF token (kept in memory only; a reload asks the server again). */
let csrfToken: string | undefined;
export const setCsrfToken = (t: string | undefined) => (csrfToken = t);

/** Fired when the server answers 401: the app shows the sign-in page. */
export const UNAUTHENTICATED_EVENT = 'trainyard:unauthenticated';

function query(body: Record<string, unknown>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(body)) for (const item of Array.isArray(v) ? v : [v]) if (item !== undefined && item !== null) qs.append(k, String(item));
  const s = qs.toString();
  return s ? `?${s}` : '';
}

export async function api<T = any>(method: string, path: string, body?: Record<string, unknown>): Promise<T> {
  const headers: Record<string, string> = {};
  const user = actingUser();
  if (user) headers['x-trainyard-user'] = user;
  let url = path;
  let payload: string | undefined;
  if (method === 'GET' || method === 'DELETE') url += query(body ?? {});
  else {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body ?? {});
  }
  // Writes carry the CSRF header: the session's token, or (auth off) any value, which a foreign
  // page cannot set on a cross-site request without a CORS preflight the server never grants.
  if (method !== 'GET') headers['x-trainyard-csrf'] = csrfToken ?? '1';
  return answer<T>(await fetch(url, { method, headers, body: payload, credentials: 'same-origin' }), path);
}

/** A response's JSON, or its error as an ApiError (a 401 also tells the app to show sign-in). */
async function answer<T>(res: Response, path: string): Promise<T> {
  if (res.status === 401 && !path.startsWith('/api/v1/auth/')) window.dispatchEvent(new Event(UNAUTHENTICATED_EVENT));
  const text = await res.text();
  let json: any = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { message: text };
  }
  if (!res.ok) throw new ApiError(res.status, json.error_code ?? 'ERROR', json.message ?? `${res.status} ${res.statusText}`);
  return json as T;
}

export const mlflow = <T = any>(method: string, path: string, body?: Record<string, unknown>) => api<T>(method, `/api/2.0/mlflow${path}`, body);

export interface SessionUser {
  username: string;
  is_admin: boolean;
}

/**
 * Who is signed in: a user, `null` when the server wants sign-in (401), or `'auth-off'` when the
 * server runs without --auth (it has no session endpoint).
 */
export async function loadSession(sent?: Promise<Response>): Promise<SessionUser | null | 'auth-off'> {
  const path = '/api/v1/auth/session';
  try {
    type S = { user: SessionUser | null; csrf_token?: string };
    // `sent`: the same request, already sent by index.html's inline script while the bundle loaded.
    const s = sent ? await answer<S>(await sent, path) : await api<S>('GET', path);
    setCsrfToken(s.csrf_token);
    return s.user;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    if (e instanceof ApiError && e.status === 404) return 'auth-off';
    throw e;
  }
}

export async function signIn(username: string, password: string): Promise<SessionUser> {
  const r = await api<{ user: SessionUser; csrf_token: string }>('POST', '/api/v1/auth/login', { username, password });
  setCsrfToken(r.csrf_token);
  return r.user;
}

export async function signOut(): Promise<void> {
  await api('POST', '/api/v1/auth/logout', {});
  setCsrfToken(undefined);
}
