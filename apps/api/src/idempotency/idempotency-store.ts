import { CredentialsCipher } from '@app/platforms';
import { Database, Sql } from '@app/persistence';
import { Injectable } from '@nestjs/common';

export type Claim =
  | { kind: 'claimed'; attempt: string }
  | { kind: 'replay'; status: number; body: unknown; headers: Record<string, string> }
  | { kind: 'in_flight' }
  | { kind: 'mismatch' };

/** Keys are remembered this long; a request whose process died is taken over after the lease. */
const RETENTION = '24 hours';
// Longer than any request can take: every statement has a 5 s deadline (DB_STATEMENT_TIMEOUT_MS).
export const LEASE_MS = 20_000;
const LEASE = `${LEASE_MS / 1000} seconds`;

/** The stored first responses, one row per (platform, key); every statement is its own transaction. */
@Injectable()
export class IdempotencyStore {
  private readonly sql: Sql;

  constructor(
    db: Database,
    private readonly cipher: CredentialsCipher,
  ) {
    this.sql = db.pooled;
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
   * Takes the key for this request, or says why not. An expired key, or the same request whose
   * first attempt died in flight (lease over), is taken over.
   */
  async claim(platformId: string, key: string, fingerprint: Buffer, attempt: string): Promise<Claim> {
    const claimed = await this.sql.query(
      `INSERT INTO idempotency_keys (platform_id, key, fingerprint, attempt) VALUES ($1, $2, $3, $4)
       ON CONFLICT (platform_id, key) DO UPDATE
         SET fingerprint = EXCLUDED.fingerprint, attempt = EXCLUDED.attempt, status = NULL, body = NULL, headers = NULL, created_at = now(), locked_at = now(), completed_at = NULL
         WHERE idempotency_keys.created_at < now() - interval '${RETENTION}'
            OR (idempotency_keys.completed_at IS NULL AND idempotency_keys.locked_at < now() - interval '${LEASE}'
                AND idempotency_keys.fingerprint = EXCLUDED.fingerprint)
       RETURNING 1`,
      [platformId, key, fingerprint, attempt],
    );
    if (claimed.length === 1) return { kind: 'claimed', attempt };
    const rows = await this.sql.query<{ fingerprint: Buffer; status: number | null; body: unknown; headers: Record<string, string> | null }>(
      'SELECT fingerprint, status, body, headers FROM idempotency_keys WHERE platform_id = $1 AND key = $2',
      [platformId, key],
    );
    const stored = rows[0];
    if (!stored) return this.claim(platformId, key, fingerprint, attempt);
    if (!stored.fingerprint.equals(fingerprint)) return { kind: 'mismatch' };
    if (stored.status === null) return { kind: 'in_flight' };
    return { kind: 'replay', status: stored.status, body: this.open(platformId, key, stored.body), headers: stored.headers ?? {} };
  }

  /** Stores this attempt's response; with `sql`, in that transaction (the one that committed the request's effects). */
  async complete(
    claim: { platformId: string; key: string; attempt: string },
    response: { status: number; body: unknown; headers: Record<string, string> },
    sql: Sql = this.sql,
  ): Promise<void> {
    const { platformId, key, attempt } = claim;
    await sql.query(
      'UPDATE idempotency_keys SET status = $4, body = $5::jsonb, headers = $6::jsonb, completed_at = now() WHERE platform_id = $1 AND key = $2 AND attempt = $3 AND completed_at IS NULL',
      [platformId, key, attempt, response.status, JSON.stringify(this.seal(platformId, key, response.body)), JSON.stringify(response.headers)],
    );
  }

  /** Frees the key after a failed attempt so that the retry runs again: this attempt's claim only, never a later one's. */
  async release(platformId: string, key: string, attempt: string): Promise<void> {
    await this.sql.query('DELETE FROM idempotency_keys WHERE platform_id = $1 AND key = $2 AND attempt = $3 AND completed_at IS NULL', [
      platformId,
      key,
      attempt,
    ]);
  }

  async purgeExpired(): Promise<number> {
    const purged = await this.sql.query(`DELETE FROM idempotency_keys WHERE created_at < now() - interval '${RETENTION}' RETURNING 1`);
    return purged.length;
  }
}
