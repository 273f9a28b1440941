import { createHash, randomBytes } from 'node:crypto';
import { canonicalJson, fingerprintKeyOf, requestFingerprint } from './request-fingerprint';

describe('request fingerprint', () => {
  const key = randomBytes(32);

  it('ignores key order at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
    expect(requestFingerprint('POST', '/p', { a: 1, b: 2 }, key).equals(requestFingerprint('POST', '/p', { b: 2, a: 1 }, key))).toBe(true);
  });

  it('differs by method, path and body', () => {
    const base = requestFingerprint('POST', '/p', { a: 1 }, key);
    expect(base.equals(requestFingerprint('PATCH', '/p', { a: 1 }, key))).toBe(false);
    expect(base.equals(requestFingerprint('POST', '/q', { a: 1 }, key))).toBe(false);
    expect(base.equals(requestFingerprint('POST', '/p', { a: 2 }, key))).toBe(false);
  });

  it('treats a missing body like null', () => {
    expect(requestFingerprint('DELETE', '/p', undefined, key).equals(requestFingerprint('DELETE', '/p', null, key))).toBe(true);
  });

  it('is keyed: a guessed external_id cannot be checked against it without the key', () => {
    const body = { external_id: 'alice@example.com' };
    const fingerprint = requestFingerprint('POST', '/p', body, key);
    const plainHash = createHash('sha256')
      .update(`POST /p\n${canonicalJson(body)}`)
      .digest();
    expect(fingerprint.equals(plainHash)).toBe(false);
    expect(fingerprint.equals(requestFingerprint('POST', '/p', body, randomBytes(32)))).toBe(false);
  });

  it('derives its key from the secret-at-rest key, never using that key itself', () => {
    const secret = randomBytes(32);
    const derived = fingerprintKeyOf({ MCP_CREDENTIALS_KEY: secret.toString('hex') });
    expect(derived).toHaveLength(32);
    expect(derived.equals(secret)).toBe(false);
    expect(derived.equals(fingerprintKeyOf({ MCP_CREDENTIALS_KEY: secret.toString('base64') }))).toBe(true);
    expect(derived.equals(fingerprintKeyOf({}))).toBe(false);
  });
});
