import { CredentialsCipher } from '@app/keys';
import { poolOf } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';

export type Claim =
  | { kind: 'claimed' }
  | { kind: 'replay'; status: number; body: unknown; headers: Record<string, string> }
  | { kind: 'in_flight' }
  | { kind: 'mismatch' };

/** Keys are remembered this long; a request whose process died is taken over after the lease. */
const RETENTION = '24 hours';
// Longer than any request can take: every statement has a 5 s deadline (DB_STATEMENT_TIMEOUT_MS).
const LEASE = '20 seconds';

/** The stored first responses, one row per (platform, key); every statement is its own transaction. */
@Injectable()
export class IdempotencyStore {
  private readonly pool: Pool;

  constructor(
    dataSource: DataSource,
    private readonly cipher: CredentialsCipher,
  ) {
    this.pool = poolOf(dataSource);
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
  async claim(platformId: string, key: string, fingerprint: Buffer): Promise<Claim> {
    const { rows: claimed } = await this.pool.query(
      `INSERT INTO idempotency_keys (platform_id, key, fingerprint) VALUES ($1, $2, $3)
       ON CONFLICT (platform_id, key) DO UPDATE
         SET fingerprint = EXCLUDED.fingerprint, status = NULL, body = NULL, headers = NULL, created_at = now(), locked_at = now(), completed_at = NULL
         WHERE idempotency_keys.created_at < now() - interval '${RETENTION}'
            OR (idempotency_keys.completed_at IS NULL AND idempotency_keys.locked_at < now() - interval '${LEASE}'
                AND idempotency_keys.fingerprint = EXCLUDED.fingerprint)
       RETURNING 1`,
      [platformId, key, fingerprint],
    );
    if (claimed.length === 1) return { kind: 'claimed' };
    const { rows } = await this.pool.query<{ fingerprint: Buffer; status: number | null; body: unknown; headers: Record<string, string> | null }>(
      'SELECT fingerprint, status, body, headers FROM idempotency_keys WHERE platform_id = $1 AND key = $2',
      [platformId, key],
    );
    const stored = rows[0];
    if (!stored) return this.claim(platformId, key, fingerprint);
    if (!stored.fingerprint.equals(fingerprint)) return { kind: 'mismatch' };
    if (stored.status === null) return { kind: 'in_flight' };
    return { kind: 'replay', status: stored.status, body: this.open(platformId, key, stored.body), headers: stored.headers ?? {} };
  }

  async complete(platformId: string, key: string, status: number, body: unknown, headers: Record<string, string>): Promise<void> {
    await this.pool.query(
      'UPDATE idempotency_keys SET status = $3, body = $4::jsonb, headers = $5::jsonb, completed_at = now() WHERE platform_id = $1 AND key = $2 AND completed_at IS NULL',
      [platformId, key, status, JSON.stringify(this.seal(platformId, key, body)), JSON.stringify(headers)],
    );
  }

  /** Frees the key after a failure the client may retry (5xx): the next attempt runs again. */
  async release(platformId: string, key: string): Promise<void> {
    await this.pool.query('DELETE FROM idempotency_keys WHERE platform_id = $1 AND key = $2 AND completed_at IS NULL', [platformId, key]);
  }

  async purgeExpired(): Promise<number> {
    const { rowCount } = await this.pool.query(`DELETE FROM idempotency_keys WHERE created_at < now() - interval '${RETENTION}'`);
    return rowCount ?? 0;
  }
}
