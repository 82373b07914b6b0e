/**
 * @module The UI's one door to the server (same origin). The acting user lives here only: until
 * sign-in lands, it is sent as X-Trainyard-User; a sign-in page replaces `actingUser`.
 */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const USER_KEY = 'trainyard.user';
export const actingUser = (): string => localStorage.getItem(USER_KEY) ?? '';
export const setActingUser = (u: string) => localStorage.setItem(USER_KEY, u.trim());

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
  const res = await fetch(url, { method, headers, body: payload });
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
