import { Statement } from '@app/persistence';
import { END_USER_API_KEYS_PROJECTION } from './end-user-api-keys.projection';
import { END_USERS_PROJECTION } from './end-users.projection';
import { rowChanges, StreamAt, StreamProjection, withRowChanges } from './stream-projection';

/** Every read table kept from the end-user streams. */
export const STREAM_PROJECTIONS: readonly StreamProjection[] = [END_USERS_PROJECTION, END_USER_API_KEYS_PROJECTION];

export function projectionNamed(name: string): StreamProjection {
  const projection = STREAM_PROJECTIONS.find((candidate) => candidate.name === name);
  if (!projection) throw new Error(`unknown projection "${name}"; known: ${STREAM_PROJECTIONS.map((p) => p.name).join(', ')}`);
  return projection;
}

/**
 * The inline projections of one append: adds to `statement` what the append changed in every read
 * table, only if `guard` (when given) produced a row. In the append's own statement, so a read after
 * the write sees it.
 */
export function withEndUserProjections(statement: Statement, before: StreamAt, after: StreamAt, guard?: string): void {
  for (const projection of STREAM_PROJECTIONS) withRowChanges(statement, projection, rowChanges(projection, before, after), guard);
}
