import type { Pool, PoolClient } from 'pg';

/** The one way code below the handlers talks to PostgreSQL: parameterised SQL, rows back. */
export interface Sql {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
}

export function sqlOfClient(client: PoolClient): Sql {
  return { query: async <Row>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as Row[] };
}

/** Outside a transaction: each statement runs on any connection of the pool. */
export function sqlOfPool(pool: Pool): Sql {
  return { query: async <Row>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as Row[] };
}

export interface CheckedOutConnection {
  client: PoolClient;
  release: () => void;
}

/**
 * A connection of its own from the pool. A checked-out pg client that loses its socket emits
 * 'error'; without a listener that would end the process, so the error is kept and the client
 * is destroyed, not reused, on release.
 */
export async function checkOut(pool: Pool): Promise<CheckedOutConnection> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  client.on('error', onError);
  return {
    client,
    release: () => {
      client.off('error', onError);
      client.release(lost);
    },
  };
}

const SOCKET_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE']);

/**
 * The connection itself failed (the client's query_timeout with no answer from the server, a
 * terminated or reset socket), not the statement: nothing more can be sent on it.
 */
export function isConnectionFailure(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && SOCKET_ERRORS.has(code)) return true;
  return error instanceof Error && /Query read timeout|Connection terminated/i.test(error.message);
}

export const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const driverError = (error as { driverError?: { code?: string; constraint?: string } })?.driverError ?? (error as { code?: string; constraint?: string });
  return driverError?.code === UNIQUE_VIOLATION && (constraint === undefined || driverError.constraint === constraint);
}
