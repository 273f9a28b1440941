import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { PlatformPrincipal } from './principal';

/** Enough for every active key of a large deployment; a miss only costs the lookup. */
const MAX_KEYS = 10_000;

/**
 * Platform keys this process verified in the last AUTH_CACHE_TTL_MS, by key hash: most requests
 * then need no authentication round trip. A key's own expiry is never exceeded; settings changed
 * through this process are forgotten once committed, changes made elsewhere (another API process,
 * the operator CLI, revocation) take effect within the TTL.
 */
@Injectable()
export class PlatformKeyCache {
  private readonly entries: LRUCache<string, PlatformPrincipal> | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.entries = config.AUTH_CACHE_TTL_MS > 0 ? new LRUCache({ max: MAX_KEYS, ttl: config.AUTH_CACHE_TTL_MS }) : null;
  }

  get(keyHash: Buffer): PlatformPrincipal | undefined {
    return this.entries?.get(keyHash.toString('hex'));
  }

  remember(keyHash: Buffer, principal: PlatformPrincipal, expiresAt: Date | null): void {
    if (!this.entries) return;
    const untilExpiry = expiresAt === null ? Infinity : expiresAt.getTime() - Date.now();
    if (untilExpiry <= 0) return;
    this.entries.set(keyHash.toString('hex'), principal, { ttl: Math.min(this.entries.ttl, untilExpiry) });
  }

  forgetPlatform(platformId: string): void {
    if (!this.entries) return;
    const ofPlatform = [...this.entries.entries()].filter(([, principal]) => principal.platformId === platformId);
    for (const [hash] of ofPlatform) this.entries.delete(hash);
  }
}
