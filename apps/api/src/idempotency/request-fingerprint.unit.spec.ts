import { canonicalJson, requestFingerprint } from './request-fingerprint';

describe('request fingerprint', () => {
  it('ignores key order at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
    expect(requestFingerprint('POST', '/p', { a: 1, b: 2 }).equals(requestFingerprint('POST', '/p', { b: 2, a: 1 }))).toBe(true);
  });

  it('differs by method, path and body', () => {
    const base = requestFingerprint('POST', '/p', { a: 1 });
    expect(base.equals(requestFingerprint('PATCH', '/p', { a: 1 }))).toBe(false);
    expect(base.equals(requestFingerprint('POST', '/q', { a: 1 }))).toBe(false);
    expect(base.equals(requestFingerprint('POST', '/p', { a: 2 }))).toBe(false);
  });

  it('treats a missing body like null', () => {
    expect(requestFingerprint('DELETE', '/p', undefined).equals(requestFingerprint('DELETE', '/p', null))).toBe(true);
  });
});
