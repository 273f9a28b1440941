import { endUserStreamId } from '@app/end-users';
import { andOnlyIf, onlyIf, Sql, Statement } from '@app/persistence';
import { LRUCache } from 'lru-cache';
import { KekRing, WrappedDataKey } from './kek-ring';
import { StreamFieldCipher } from './stream-field-cipher';

/** Unwrapped keys kept in memory (never on disk): enough for the users being written right now. */
const CACHED_KEYS = 10_000;

interface KeyRow {
  end_user_id: string;
  kek_id: string;
  wrapped_key: Buffer;
}

/**
 * The end users' data keys (table end_user_data_keys): created with the user, destroyed by its
 * DELETE in the same statement, which makes every sealed personal field of the user unreadable
 * (crypto-shredding). A user without a key row is erased. The wrapped key is always read from the
 * database, so an erasure holds at once on every process; the cache only saves the unwrapping.
 */
export class DataKeys {
  private readonly unwrapped = new LRUCache<string, Buffer>({ max: CACHED_KEYS });

  constructor(private readonly ring: KekRing) {}

  /** A new user's key and the cipher of its stream; store it with withStoredKey in the creating statement. */
  newKey(endUserId: string): { cipher: StreamFieldCipher; wrapped: WrappedDataKey } {
    const { dataKey, wrapped } = this.ring.newDataKey(endUserId);
    this.unwrapped.set(cacheKey(endUserId, wrapped), dataKey);
    return { cipher: cipherOf(endUserId, dataKey), wrapped };
  }

  /**
   * A cipher whose key is never stored: what it seals is unreadable at once. For the events that
   * delete a user who never had a key (its earlier events predate sealing).
   */
  erasedAtOnce(endUserId: string): StreamFieldCipher {
    return cipherOf(endUserId, this.ring.newDataKey(endUserId).dataKey);
  }

  /** Adds the CTE `stored_data_key`: the key row, written only if `guard` produced a row. */
  withStoredKey(statement: Statement, endUserId: string, wrapped: WrappedDataKey, guard?: string): void {
    statement.with(
      'stored_data_key',
      `INSERT INTO end_user_data_keys (end_user_id, kek_id, wrapped_key)
       SELECT ${statement.param(endUserId, 'uuid')}, ${statement.param(wrapped.kekId)}, ${statement.param(wrapped.wrapped, 'bytea')}
       ${onlyIf(guard)}`,
    );
  }

  /** Adds the CTE `destroyed_data_key`: the user's key row deleted, in the statement that deletes the user. */
  withDestroyedKey(statement: Statement, endUserId: string, guard?: string): void {
    statement.with('destroyed_data_key', `DELETE FROM end_user_data_keys WHERE end_user_id = ${statement.param(endUserId, 'uuid')} ${andOnlyIf(guard)}`);
  }

  /** The cipher of the user's stream, or null when the user is erased (or never had a key). */
  async cipherOf(sql: Sql, endUserId: string): Promise<StreamFieldCipher | null> {
    return (await this.ciphersOf(sql, [endUserId])).get(endUserId) ?? null;
  }

  /** The ciphers of several users' streams, in one query; an erased user has none. */
  async ciphersOf(sql: Sql, endUserIds: readonly string[]): Promise<Map<string, StreamFieldCipher>> {
    const ciphers = new Map<string, StreamFieldCipher>();
    if (endUserIds.length === 0) return ciphers;
    const rows = await sql.query<KeyRow>('SELECT end_user_id, kek_id, wrapped_key FROM end_user_data_keys WHERE end_user_id = ANY($1::uuid[])', [
      [...new Set(endUserIds)],
    ]);
    for (const row of rows) ciphers.set(row.end_user_id, this.cipherFor(row.end_user_id, { kekId: row.kek_id, wrapped: row.wrapped_key }));
    return ciphers;
  }

  /** The cipher of a user's stream from its wrapped key, read by the caller (e.g. joined to its rows). */
  cipherFor(endUserId: string, wrapped: WrappedDataKey): StreamFieldCipher {
    return cipherOf(endUserId, this.unwrap(endUserId, wrapped));
  }

  /** As cipherFor, bypassing the cache: for folds that read every stream once (a rebuild), which would only churn it. */
  uncachedCipherFor(endUserId: string, wrapped: WrappedDataKey): StreamFieldCipher {
    return cipherOf(endUserId, this.ring.unwrap(endUserId, wrapped));
  }

  /** The key unwrapped with the KEK its row names (throws UnknownKek when DATA_KEK no longer holds it). */
  private unwrap(endUserId: string, wrapped: WrappedDataKey): Buffer {
    const key = cacheKey(endUserId, wrapped);
    let dataKey = this.unwrapped.get(key);
    if (!dataKey) {
      dataKey = this.ring.unwrap(endUserId, wrapped);
      this.unwrapped.set(key, dataKey);
    }
    return dataKey;
  }
}

function cipherOf(endUserId: string, dataKey: Buffer): StreamFieldCipher {
  return new StreamFieldCipher(dataKey, endUserStreamId(endUserId));
}

function cacheKey(endUserId: string, wrapped: WrappedDataKey): string {
  return `${endUserId}:${wrapped.kekId}:${wrapped.wrapped.toString('base64')}`;
}
