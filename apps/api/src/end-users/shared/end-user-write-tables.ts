import { EndUserEvent } from '@app/end-users';
import { onlyIf, Sql, Statement } from '@app/persistence';

/**
 * The write side's own tables, beside the events: `end_user_external_ids` (which user holds an
 * external id of a platform: create is idempotent on it, and a primary key decides a race) and
 * `end_user_key_hashes` (the hashes of issued keys, which never go into events). What they hold
 * follows from the events an append carries; only the end-user repository writes them.
 */

/** An EndUserCreated holds the external id of its platform: the append happens only if the claim does. */
export function withClaimOf(statement: Statement, events: readonly EndUserEvent[]): string | undefined {
  const created = events.find((event) => event.type === 'EndUserCreated');
  if (!created) return undefined;
  const { platformId, externalId, endUserId } = created.data;
  statement.with(
    'claim',
    `INSERT INTO end_user_external_ids (platform_id, external_id, end_user_id)
     VALUES (${statement.param(platformId, 'uuid')}, ${statement.param(externalId)}, ${statement.param(endUserId, 'uuid')})
     ON CONFLICT (platform_id, external_id) DO NOTHING RETURNING end_user_id`,
  );
  return 'claim';
}

/** Every key the events issue has its hash stored beside them (only if `guard` produced a row). */
export function withKeyHashes(
  statement: Statement,
  user: { id: string; platformId: string },
  events: readonly EndUserEvent[],
  hashes: ReadonlyMap<string, Buffer> | undefined,
  guard?: string,
): void {
  const issued = events.flatMap((event) => (event.type === 'EndUserCreated' || event.type === 'EndUserApiKeyIssued' ? [event.data.apiKey.keyId] : []));
  if (issued.length === 0) return;
  const hashOf = (keyId: string) => {
    const hash = hashes?.get(keyId);
    if (!hash) throw new Error(`no hash was given for the issued key ${keyId}`);
    return hash;
  };
  const rows = issued.map((keyId) => `(${statement.param(keyId, 'uuid')}, ${statement.param(hashOf(keyId), 'bytea')})`);
  statement.with(
    'key_hashes',
    `INSERT INTO end_user_key_hashes (key_id, key_hash, end_user_id, platform_id)
     SELECT k.key_id, k.key_hash, ${statement.param(user.id, 'uuid')}, ${statement.param(user.platformId, 'uuid')}
     FROM (VALUES ${rows.join(', ')}) AS k(key_id, key_hash)
     ${onlyIf(guard)}`,
  );
}

/**
 * After an EndUserDeleted is appended, its external id is free for a new user. A statement of its
 * own, after the append, in the caller's transaction (which commits both or neither).
 */
export async function releaseClaimOf(sql: Sql, endUserId: string, events: readonly EndUserEvent[]): Promise<void> {
  if (events.some((event) => event.type === 'EndUserDeleted')) await sql.query('DELETE FROM end_user_external_ids WHERE end_user_id = $1', [endUserId]);
}

/** The user holding an external id was deleted between a failed claim and the lock on it: start over. */
export class ExternalIdReleased extends Error {
  constructor(externalId: string) {
    super(`The end user holding external id ${externalId} was deleted meanwhile`);
  }
}

/**
 * The user holding an external id, whose claim row stays locked until the caller's transaction
 * ends: repeat creates of one user queue there instead of racing for its next stream version, and
 * a delete (which removes the row) waits for them.
 */
export async function lockClaimHolder(sql: Sql, platformId: string, externalId: string): Promise<string> {
  const [claim] = await sql.query<{ end_user_id: string }>(
    'SELECT end_user_id FROM end_user_external_ids WHERE platform_id = $1 AND external_id = $2 FOR UPDATE',
    [platformId, externalId],
  );
  if (!claim) throw new ExternalIdReleased(externalId);
  return claim.end_user_id;
}
