import { APP_CONFIG, AppConfig } from '@app/config';
import { ApiError } from '@app/http';
import { CredentialsCipher } from '@app/platforms';
import { Database, Sql } from '@app/persistence';
import { Inject, Injectable } from '@nestjs/common';
import { fingerprintKeyOf, requestFingerprint } from './request-fingerprint';

export type Claim =
  | { kind: 'claimed'; attempt: string }
  | { kind: 'replay'; status: number; body: unknown; headers: Record<string, string> }
  | { kind: 'in_flight' }
  | { kind: 'mismatch' }
  /** The stored response concerned an end user since deleted: it was destroyed with the user's data. */
  | { kind: 'gone' };

export interface StoredResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
  /** The end user the response concerns: the user's DELETE destroys it (withErasedIdempotentResponses). */
  endUserId?: string | null;
}

/** Keys are remembered this long; a request whose process died is taken over after the lease. */
const RETENTION = '24 hours';
// Longer than any request can take: every statement has a 5 s deadline (DB_STATEMENT_TIMEOUT_MS).
export const LEASE_MS = 20_000;
const LEASE = `${LEASE_MS / 1000} seconds`;

/** The stored first responses, one row per (platform, key); every statement is its own transaction. */
@Injectable()
export class IdempotencyStore {
  private readonly sql: Sql;
  private readonly fingerprintKey: Buffer;

  constructor(
    db: Database,
    private readonly cipher: CredentialsCipher,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.sql = db.pooled;
    this.fingerprintKey = fingerprintKeyOf(config);
  }

  /** The keyed fingerprint of a request (method, path, body): the row never holds the body's values in a form one could test guesses against. */
  fingerprint(method: string, path: string, body: unknown): Buffer {
    return requestFingerprint(method, path, body, this.fingerprintKey);
  }

  /** A stored response may hold a raw key (a create's): it is kept encrypted, bound to its platform and key. */
  private seal(platformId: string, key: string, body: unknown): unknown {
    return body === undefined ? null : { sealed: this.cipher.encrypt(JSON.stringify(body), `${platformId}:${key}`).toString('base64') };
  }

  private open(platformId: string, key: string, stored: unknown): unknown {
    const sealed = (stored as { sealed?: string } | null)?.sealed;
    return sealed === undefined ? undefined : JSON.parse(this.cipher.decrypt(Buffer.from(sealed, 'base64'), `${platformId}:${key}`));
  }

  /**
   * Takes the key for this request, or says why not. An expired key (erased or not), or the same
   * request whose first attempt died in flight (lease over), is taken over. A key whose response
   * was erased with its end user is gone, whatever the request, until it expires.
   */
  async claim(platformId: string, key: string, fingerprint: Buffer, attempt: string): Promise<Claim> {
    const claimed = await this.sql.query(
      `INSERT INTO idempotency_keys (platform_id, key, fingerprint, attempt) VALUES ($1, $2, $3, $4)
       ON CONFLICT (platform_id, key) DO UPDATE
         SET fingerprint = EXCLUDED.fingerprint, attempt = EXCLUDED.attempt, status = NULL, body = NULL, headers = NULL, created_at = now(), locked_at = now(),
             completed_at = NULL, end_user_id = NULL, erased_at = NULL
         WHERE idempotency_keys.created_at < now() - interval '${RETENTION}'
            OR (idempotency_keys.completed_at IS NULL AND idempotency_keys.erased_at IS NULL AND idempotency_keys.locked_at < now() - interval '${LEASE}'
                AND idempotency_keys.fingerprint = EXCLUDED.fingerprint)
       RETURNING 1`,
      [platformId, key, fingerprint, attempt],
    );
    if (claimed.length === 1) return { kind: 'claimed', attempt };
    const rows = await this.sql.query<{
      fingerprint: Buffer;
      status: number | null;
      body: unknown;
      headers: Record<string, string> | null;
      erased: boolean;
    }>('SELECT fingerprint, status, body, headers, erased_at IS NOT NULL AS erased FROM idempotency_keys WHERE platform_id = $1 AND key = $2', [
      platformId,
      key,
    ]);
    const stored = rows[0];
    if (!stored) return this.claim(platformId, key, fingerprint, attempt);
    if (stored.erased) return { kind: 'gone' };
    if (!stored.fingerprint.equals(fingerprint)) return { kind: 'mismatch' };
    if (stored.status === null) return { kind: 'in_flight' };
    return { kind: 'replay', status: stored.status, body: this.open(platformId, key, stored.body), headers: stored.headers ?? {} };
  }

  /**
   * Stores this attempt's response; with `sql`, in that transaction (the one that committed the
   * request's effects). Throws a 409 `conflict` when this attempt no longer holds the key (it
   * outlived its lease and another attempt took the key over): the caller's transaction must then
   * roll back, or the request would have run twice.
   */
  async complete(claim: { platformId: string; key: string; attempt: string }, response: StoredResponse, sql: Sql = this.sql): Promise<void> {
    const { platformId, key, attempt } = claim;
    const stored = await sql.query(
      `UPDATE idempotency_keys SET status = $4, body = $5::jsonb, headers = $6::jsonb, end_user_id = $7::uuid, completed_at = now()
       WHERE platform_id = $1 AND key = $2 AND attempt = $3 AND completed_at IS NULL AND erased_at IS NULL
       RETURNING 1`,
      [
        platformId,
        key,
        attempt,
        response.status,
        JSON.stringify(this.seal(platformId, key, response.body)),
        JSON.stringify(response.headers),
        response.endUserId ?? null,
      ],
    );
    if (stored.length === 0) {
      throw new ApiError('conflict', 'This request outlived its hold on the Idempotency-Key and another attempt took the key over; retry the request');
    }
  }

  /** Frees the key after a failed attempt so that the retry runs again: this attempt's claim only, never a later one's. */
  async release(platformId: string, key: string, attempt: string): Promise<void> {
    await this.sql.query('DELETE FROM idempotency_keys WHERE platform_id = $1 AND key = $2 AND attempt = $3 AND completed_at IS NULL', [
      platformId,
      key,
      attempt,
    ]);
  }

  /**
   * Deletes at most `limit` keys past their retention; returns how many. Rows another process is
   * deleting (or a claim is taking over) at the same moment are skipped, not waited for, so several
   * API processes can sweep at once. Its own transaction.
   */
  async purgeExpired(limit: number): Promise<number> {
    const [{ purged }] = await this.sql.query<{ purged: number }>(
      `WITH purged AS (
         DELETE FROM idempotency_keys
         WHERE ctid = ANY (ARRAY(
                 SELECT ctid FROM idempotency_keys WHERE created_at < now() - interval '${RETENTION}' LIMIT $1 FOR UPDATE SKIP LOCKED))
           AND created_at < now() - interval '${RETENTION}'
         RETURNING 1)
       SELECT count(*)::int AS purged FROM purged`,
      [limit],
    );
    return purged;
  }
}
