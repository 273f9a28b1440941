import type { KeyEncryptionKey } from '@app/config';
import { Database, Sql } from '@app/persistence';
import { KekRing, WrappedDataKey } from '@app/personal-data';

export interface RewrapProgress {
  pass: number;
  done: number;
  total: number;
}

export interface RewrapResult {
  primaryKek: string;
  /** Rows this run wrapped again under the primary KEK. */
  rewrapped: number;
  /** Rows already under the primary KEK when the run started. */
  alreadyCurrent: number;
  /** Rows (at the end) under a KEK that DATA_KEK does not hold: they cannot be unwrapped. */
  unknownKek: number;
  /** Rows under a KEK of DATA_KEK that did not open with it (another key under that id?): left as they are. */
  unreadable: number;
  /** Rows not under the primary KEK at the end, by KEK: every other KEK of DATA_KEK (0 once it can go) and every unknown one. */
  remainingByKek: Record<string, number>;
}

/** Another pass finds rows a pass skipped because a concurrent transaction held them (a DELETE that rolled back). */
const MAX_PASSES = 3;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

interface KeyRow {
  end_user_id: string;
  kek_id: string;
  wrapped_key: Buffer;
}

/**
 * Wraps every data key that is under another KEK of `keks` again under the first one, while the
 * API keeps creating and deleting users. Batches in key order, each its own short transaction:
 * the batch's rows are locked (rows a concurrent transaction holds are skipped, not waited for)
 * and updated in one statement, which cannot bring back a row a DELETE removed, since it only
 * updates rows that exist. Committed batches stay done, so a run that was stopped is simply run
 * again. Rows under a KEK that `keks` does not hold are never touched, only counted.
 */
export async function rewrapDataKeys(
  database: Database,
  keks: readonly KeyEncryptionKey[],
  batchSize: number,
  onProgress: (progress: RewrapProgress) => void,
): Promise<RewrapResult> {
  const ring = new KekRing(keks);
  const older = keks.slice(1).map((kek) => kek.id);
  const atStart = await countByKek(database);
  const total = older.reduce((sum, id) => sum + (atStart.get(id) ?? 0), 0);
  const unreadable = new Set<string>();
  let rewrapped = 0;

  for (let pass = 1; pass <= MAX_PASSES && older.length > 0; pass++) {
    let rewrappedInPass = 0;
    let after = NIL_UUID;
    for (;;) {
      const batch = await database.transaction((sql) => rewrapBatch(sql, ring, older, after, batchSize, unreadable));
      if (batch.lastId === null) break;
      after = batch.lastId;
      rewrappedInPass += batch.rewrapped;
      rewrapped += batch.rewrapped;
      onProgress({ pass, done: rewrapped + unreadable.size, total });
    }
    if (rewrappedInPass === 0) break;
    const left = await database.query<{ n: number }>('SELECT count(*)::int AS n FROM end_user_data_keys WHERE kek_id = ANY($1::text[])', [older]);
    if (left[0].n <= unreadable.size) break;
  }

  const atEnd = await countByKek(database);
  const remainingByKek: Record<string, number> = Object.fromEntries(older.map((id) => [id, 0]));
  let unknownKek = 0;
  for (const [id, n] of [...atEnd].sort(([a], [b]) => a.localeCompare(b))) {
    if (id === ring.primaryId) continue;
    remainingByKek[id] = n;
    if (!older.includes(id)) unknownKek += n;
  }
  return { primaryKek: ring.primaryId, rewrapped, alreadyCurrent: atStart.get(ring.primaryId) ?? 0, unknownKek, unreadable: unreadable.size, remainingByKek };
}

/**
 * One batch after `after`, in the caller's transaction: its rows locked (SKIP LOCKED), unwrapped,
 * wrapped under the primary and written back in one UPDATE. `lastId` is null when no row is left.
 */
async function rewrapBatch(
  sql: Sql,
  ring: KekRing,
  older: readonly string[],
  after: string,
  batchSize: number,
  unreadable: Set<string>,
): Promise<{ lastId: string | null; rewrapped: number }> {
  const rows = await sql.query<KeyRow>(
    `SELECT end_user_id, kek_id, wrapped_key FROM end_user_data_keys
      WHERE kek_id = ANY($1::text[]) AND end_user_id > $2::uuid
      ORDER BY end_user_id LIMIT $3
      FOR UPDATE SKIP LOCKED`,
    [older, after, batchSize],
  );
  if (rows.length === 0) return { lastId: null, rewrapped: 0 };
  const ids: string[] = [];
  const wrappedKeys: Buffer[] = [];
  for (const row of rows) {
    let rewrapped: WrappedDataKey;
    try {
      rewrapped = ring.rewrap(row.end_user_id, { kekId: row.kek_id, wrapped: row.wrapped_key });
    } catch {
      // Unusable as it is: left untouched and counted, so one bad row does not stop the others.
      unreadable.add(row.end_user_id);
      continue;
    }
    ids.push(row.end_user_id);
    wrappedKeys.push(rewrapped.wrapped);
  }
  const updated =
    ids.length === 0
      ? []
      : await sql.query(
          `UPDATE end_user_data_keys AS k SET kek_id = $1, wrapped_key = r.wrapped_key
             FROM unnest($2::uuid[], $3::bytea[]) AS r(end_user_id, wrapped_key)
            WHERE k.end_user_id = r.end_user_id
           RETURNING k.end_user_id`,
          [ring.primaryId, ids, wrappedKeys],
        );
  return { lastId: rows[rows.length - 1].end_user_id, rewrapped: updated.length };
}

async function countByKek(sql: Sql): Promise<Map<string, number>> {
  const rows = await sql.query<{ kek_id: string; n: number }>('SELECT kek_id, count(*)::int AS n FROM end_user_data_keys GROUP BY kek_id');
  return new Map(rows.map((row) => [row.kek_id, row.n]));
}
