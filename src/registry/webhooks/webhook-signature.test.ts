import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signPayload, verifySignature } from './webhook-signature.js';

describe('webhook signatures', () => {
  it('signs `<id>.<timestamp>.<body>` with HMAC-SHA256, base64, v1-prefixed', () => {
    const expected = createHmac('sha256', 'k').update('d-1.1700000000.{"a":1}').digest('base64');
    expect(signPayload('k', 'd-1', 1700000000, '{"a":1}')).toBe(`v1,${expected}`);
  });

  it('verifies only the exact body, id, time and secret; accepts one of several signatures', () => {
    const sig = signPayload('k', 'd-1', 5, 'body');
    expect(verifySignature('k', 'd-1', 5, 'body', sig)).toBe(true);
    expect(verifySignature('k', 'd-1', 5, 'body', `v1,bogus ${sig}`)).toBe(true);
    expect(verifySignature('k2', 'd-1', 5, 'body', sig)).toBe(false);
    expect(verifySignature('k', 'd-2', 5, 'body', sig)).toBe(false);
    expect(verifySignature('k', 'd-1', 6, 'body', sig)).toBe(false);
    expect(verifySignature('k', 'd-1', 5, 'body ', sig)).toBe(false);
    expect(verifySignature('k', 'd-1', 5, 'body', undefined)).toBe(false);
  });
});
