/** Connection-level database failures: wait for the database instead of dead-lettering healthy messages. */
export function isInfrastructureFailure(error: unknown): boolean {
  const candidate = (error as { driverError?: unknown })?.driverError ?? error;
  const code = (candidate as { code?: unknown })?.code;
  if (typeof code === 'string' && (/^08/.test(code) || ['57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code)))
    return true;
  const message = candidate instanceof Error ? candidate.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|connection error/i.test(message);
}

/** Exponential backoff with jitter: 100 ms, 200 ms, ... capped. */
export function backoffMs(attempt: number, capMs: number): number {
  const base = Math.min(capMs, 100 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + Math.random() * (base / 2));
}
