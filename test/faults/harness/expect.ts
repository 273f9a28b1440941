import type { CheckReport } from '../checker';
import { eventually } from '../../support/eventually';
import type { Scenario } from './scenario';

/** Every scenario ends here: the checker found nothing, and no app process died unasked. */
export function expectClean(scenario: Scenario, report: CheckReport): void {
  expect({
    drained: report.drained.ok,
    violations: report.violations,
    losses: report.losses,
    duplicateEffects: report.duplicateEffects,
    unexpectedExits: scenario.unexpectedExits(),
  }).toEqual({ drained: true, violations: [], losses: 0, duplicateEffects: 0, unexpectedExits: [] });
}

/** Polls `probe` until it returns something other than undefined; a timeout names `what`. */
export function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  return eventually(probe, timeoutMs, intervalMs).catch((error: Error) => {
    throw new Error(`${what}: ${error.message}`);
  });
}

export async function countOf(scenario: Scenario, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await scenario.pool.query<{ count: number }>(sql, params);
  return Number(rows[0].count);
}

export const inboxCount = (scenario: Scenario) => countOf(scenario, 'SELECT count(*)::int AS count FROM processed_events');
export const unpublishedCount = (scenario: Scenario) => countOf(scenario, 'SELECT count(*)::int AS count FROM outbox WHERE published_at IS NULL');
