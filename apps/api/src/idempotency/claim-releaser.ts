import { Injectable } from '@nestjs/common';
import { IdempotencyStore, LEASE_MS } from './idempotency-store';

const MAX_PAUSE_MS = 1_000;

/**
 * Frees the Idempotency-Key claims of failed attempts (a 5xx, or a claim whose outcome is unknown)
 * so that the retry runs again instead of finding the key "in progress". When the database is what
 * failed, the release cannot run yet: it is retried in the background, and before this process
 * claims the same key again, until it succeeds or the lease is over (a retry takes the key over
 * then anyway).
 */
@Injectable()
export class ClaimReleaser {
  /** `platformId key` → the failed attempt whose claim may still be in the table. */
  private readonly unreleased = new Map<string, string>();

  constructor(private readonly store: IdempotencyStore) {}

  /**
   * Releases in the background, so that the error is answered without waiting for a database
   * that may be down; a retry that reaches this process first releases it itself (beforeClaim).
   */
  free(platformId: string, key: string, attempt: string): void {
    this.unreleased.set(entryOf(platformId, key), attempt);
    void this.retryUntilLeaseEnds(platformId, key, attempt);
  }

  /** Frees what a failed attempt of this key left; fails while the database is unreachable. */
  async beforeClaim(platformId: string, key: string): Promise<void> {
    const attempt = this.unreleased.get(entryOf(platformId, key));
    if (attempt !== undefined) await this.release(platformId, key, attempt);
  }

  private async release(platformId: string, key: string, attempt: string): Promise<void> {
    await this.store.release(platformId, key, attempt);
    this.forget(platformId, key, attempt);
  }

  private async retryUntilLeaseEnds(platformId: string, key: string, attempt: string): Promise<void> {
    const giveUpAt = Date.now() + LEASE_MS;
    for (let pauseMs = 100; ; pauseMs = Math.min(pauseMs * 2, MAX_PAUSE_MS)) {
      if (this.unreleased.get(entryOf(platformId, key)) !== attempt) return; // released by beforeClaim
      if (
        await this.release(platformId, key, attempt).then(
          () => true,
          () => false,
        )
      )
        return;
      if (Date.now() + pauseMs >= giveUpAt) return this.forget(platformId, key, attempt);
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }

  private forget(platformId: string, key: string, attempt: string): void {
    if (this.unreleased.get(entryOf(platformId, key)) === attempt) this.unreleased.delete(entryOf(platformId, key));
  }
}

function entryOf(platformId: string, key: string): string {
  return `${platformId} ${key}`;
}
