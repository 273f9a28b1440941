/** The counter shard of an end user: the first hex digit of its id (SQL: ('x' || substr(id::text, 1, 1))::bit(4)::int). */
export function countShardOf(endUserId: string): number {
  return parseInt(endUserId[0], 16);
}

export const COUNT_SHARD_SQL = "('x' || substr(id::text, 1, 1))::bit(4)::int";
