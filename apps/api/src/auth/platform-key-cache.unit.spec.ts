import { AppConfig } from '@app/config';
import { setTimeout as sleep } from 'node:timers/promises';
import { PlatformKeyCache } from './platform-key-cache';
import { PlatformPrincipal } from './principal';

const principal = (platformId: string, keyId: string): PlatformPrincipal => ({ kind: 'platform', platformId, keyId, settings: {} });
const hash = (n: number) => Buffer.alloc(32, n);
const cacheFor = (ttlMs: number) => new PlatformKeyCache(Object.assign(new AppConfig(), { AUTH_CACHE_TTL_MS: ttlMs }));

describe('PlatformKeyCache', () => {
  it('given a verified key, when asked within the TTL, then returns it, and after the TTL forgets it', async () => {
    // Wide margins: a stall of the test process (a loaded CI machine) must not outlast the TTL.
    const cache = cacheFor(800);
    cache.remember(hash(1), principal('p1', 'k1'), null);
    expect(cache.get(hash(1))).toEqual(principal('p1', 'k1'));
    expect(cache.get(hash(2))).toBeUndefined();
    await sleep(900);
    expect(cache.get(hash(1))).toBeUndefined();
  });

  it('given a key that expires before the TTL ends, then keeps it only until its own expiry', async () => {
    const cache = cacheFor(10_000);
    cache.remember(hash(1), principal('p1', 'k1'), new Date(Date.now() + 600));
    cache.remember(hash(2), principal('p1', 'k2'), new Date(Date.now() - 1));
    expect(cache.get(hash(1))).toBeDefined();
    expect(cache.get(hash(2))).toBeUndefined();
    await sleep(700);
    expect(cache.get(hash(1))).toBeUndefined();
  });

  it("when a platform is forgotten, then only that platform's keys are dropped", () => {
    const cache = cacheFor(10_000);
    cache.remember(hash(1), principal('p1', 'k1'), null);
    cache.remember(hash(2), principal('p1', 'k2'), null);
    cache.remember(hash(3), principal('p2', 'k3'), null);
    cache.forgetPlatform('p1');
    expect([cache.get(hash(1)), cache.get(hash(2)), cache.get(hash(3))]).toEqual([undefined, undefined, principal('p2', 'k3')]);
  });

  it('with a TTL of 0, then remembers nothing', () => {
    const cache = cacheFor(0);
    cache.remember(hash(1), principal('p1', 'k1'), null);
    expect(cache.get(hash(1))).toBeUndefined();
  });
});
