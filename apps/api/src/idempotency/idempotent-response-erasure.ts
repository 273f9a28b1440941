import { andOnlyIf, Sql, Statement } from '@app/persistence';

/** The name of the CTE withErasedIdempotentResponses adds (one row per response it destroyed). */
export const ERASED_IDEMPOTENT_RESPONSES = 'erased_idempotent_responses';

/**
 * Destroys the stored idempotent responses that concern `endUserId`, as a data-modifying CTE of
 * the statement that deletes the user, so both commit or neither. The body and headers go; the
 * fingerprint, a keyed hash of a request that may have named the user, is blanked; `erased_at`
 * makes a replay of the key answer 410 gone (never the data, never a second run) until the key
 * expires like any other. With `guard`, only if that CTE produced a row. Runs in the caller's
 * transaction (the statement's).
 */
export function withErasedIdempotentResponses(statement: Statement, endUserId: string, guard?: string): void {
  statement.with(
    ERASED_IDEMPOTENT_RESPONSES,
    `UPDATE idempotency_keys SET body = NULL, headers = NULL, fingerprint = ''::bytea, erased_at = now()
     WHERE end_user_id = ${statement.param(endUserId, 'uuid')} AND erased_at IS NULL ${andOnlyIf(guard)}
     RETURNING 1`,
  );
}

/** The same erasure as a statement of its own; returns how many responses it destroyed. Runs in the caller's transaction, if any. */
export async function eraseIdempotentResponses(sql: Sql, endUserId: string): Promise<number> {
  const statement = new Statement();
  withErasedIdempotentResponses(statement, endUserId);
  const [{ erased }] = await statement.run<{ erased: number }>(sql, `SELECT count(*)::int AS erased FROM ${ERASED_IDEMPOTENT_RESPONSES}`);
  return erased;
}
