import { generateKey, hashesEqual, hashKey, kindOfKey } from './api-keys';

describe('api keys', () => {
  it('generates end-user keys as sk-eu_ and 64 lowercase hex characters with an 8 character prefix', () => {
    const key = generateKey('end_user');
    expect(key.raw).toMatch(/^sk-eu_[0-9a-f]{64}$/);
    expect(key.prefix).toBe(key.raw.slice(0, 8));
    expect(key.hash).toEqual(hashKey(key.raw));
    expect(key.hash).toHaveLength(32);
  });

  it('generates platform keys with a 12 character prefix', () => {
    const key = generateKey('platform');
    expect(key.raw).toMatch(/^sk-plat_[0-9a-f]{64}$/);
    expect(key.prefix).toBe(key.raw.slice(0, 12));
  });

  it('never generates the same key twice', () => {
    const raws = new Set(Array.from({ length: 1000 }, () => generateKey('end_user').raw));
    expect(raws.size).toBe(1000);
  });

  it('recognises well-formed keys only', () => {
    expect(kindOfKey(generateKey('platform').raw)).toBe('platform');
    expect(kindOfKey(generateKey('end_user').raw)).toBe('end_user');
    expect(kindOfKey('sk-eu_' + 'A'.repeat(64))).toBeNull();
    expect(kindOfKey('sk-eu_abc')).toBeNull();
    expect(kindOfKey('Bearer x')).toBeNull();
  });

  it('compares hashes of different lengths as unequal without throwing', () => {
    expect(hashesEqual(Buffer.alloc(32), Buffer.alloc(31))).toBe(false);
    expect(hashesEqual(hashKey('a'), hashKey('a'))).toBe(true);
  });
});
