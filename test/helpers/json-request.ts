/**
 * One JSON request to a test server, answered as status and parsed body (the text when it is not
 * JSON). A body object goes in the query string for the methods in `queryMethods` (GET by
 * default, as MLflow's GET routes read it), else as a JSON body; a string body is sent as it is.
 */
export async function jsonRequest(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  opts: { headers?: Record<string, string>; queryMethods?: readonly string[] } = {},
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { ...opts.headers };
  let url = baseUrl + path;
  const init: RequestInit = { method, headers };
  if ((opts.queryMethods ?? ['GET']).includes(method) && body && typeof body === 'object') {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) for (const item of [v].flat()) if (item !== undefined) qs.append(k, String(item));
    url += `?${qs}`;
  } else if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body: parsed as any };
}
