/** The UI's session cookie. */
export const SESSION_COOKIE = 'trainyard_session';

/** One cookie's value from a Cookie header (RFC 6265 `name=value; ...`), else undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) return part.slice(i + 1).trim() || undefined;
  }
  return undefined;
}

/**
 * A Set-Cookie value for the session: HttpOnly (page scripts never see it), SameSite=Lax (not
 * sent on cross-site subrequests or form POSTs), Secure when the server is reached over https.
 */
export function sessionCookie(value: string, opts: { maxAgeS: number; secure: boolean }): string {
  return [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${Math.max(0, Math.floor(opts.maxAgeS))}`, ...(opts.secure ? ['Secure'] : [])].join('; ');
}
