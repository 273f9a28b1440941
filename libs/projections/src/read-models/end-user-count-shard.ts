/** The counter shard of an end user's row: the first hex digit of its `id`. */
export const COUNT_SHARD_SQL = "('x' || substr(id::text, 1, 1))::bit(4)::int";
