import { Database } from '@app/persistence';
import { EndUserCreatedV1 } from '@app/contracts';
import { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { startOfUtcMonthIso } from './contract';
import { eventually, killHard } from './worker';

/** What the worker's reactions and the API's cascade touch, with the column that names the end user. */
export const END_USER_TABLES: ReadonlyArray<{ table: string; column: string }> = [
  { table: 'budgets', column: 'end_user_id' },
  { table: 'budget_ledger', column: 'end_user_id' },
  { table: 'end_user_rate_limits', column: 'end_user_id' },
  { table: 'mcp_connections', column: 'end_user_id' },
  { table: 'end_user_key_hashes', column: 'end_user_id' },
  { table: 'end_user_api_keys', column: 'end_user_id' },
  { table: 'end_users', column: 'id' },
];

/** Row counts per table for one end user, e.g. { budgets: 1, budget_ledger: 1, ... }. */
export async function rowCounts(db: Database, endUserId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { table, column } of END_USER_TABLES) {
    const [{ count }] = await db.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${table} WHERE ${column} = $1`, [endUserId]);
    counts[table] = count;
  }
  return counts;
}

export async function countWhere(db: Database, table: string, column: string, value: string): Promise<number> {
  const [{ count }] = await db.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${table} WHERE ${column} = $1`, [value]);
  return count;
}

/** Waits until the worker provisioned this user's budget (the row exists). */
export async function waitForBudgetRow(db: Database, endUserId: string, timeoutMs = 30_000): Promise<void> {
  await eventually(async () => ((await countWhere(db, 'budgets', 'end_user_id', endUserId)) > 0 ? true : undefined), timeoutMs);
}

export const PROVISION_REACTION = 'provision-budget-when-end-user-created';
export const CLEAN_UP_REACTION = 'clean-up-when-end-user-deleted';

/** The event id of the user's stored event of `type` (the public event carries the same id). */
export async function storedEventId(
  db: Database,
  endUserId: string,
  type: 'EndUserCreated' | 'EndUserDeleted' | 'EndUserUpdated' | 'EndUserApiKeyIssued',
): Promise<string> {
  const rows = await db.query<{ event_id: string }>('SELECT event_id FROM events WHERE stream_id = $1 AND event_type = $2 ORDER BY stream_version', [
    `end_user-${endUserId}`,
    type,
  ]);
  if (rows.length === 0) throw new Error(`no ${type} event stored for ${endUserId}`);
  return rows[0].event_id;
}

/** Waits until the worker's inbox recorded `eventId` for `reaction`: the event was handled. */
export async function waitForInbox(db: Database, reaction: string, eventId: string, timeoutMs = 30_000): Promise<void> {
  await eventually(async () => {
    const rows = await db.query('SELECT 1 FROM processed_events WHERE consumer = $1 AND event_id = $2', [reaction, eventId]);
    return rows.length > 0 ? true : undefined;
  }, timeoutMs);
}

/** A valid end_user.created (v1) as the API would publish it, for ids the test picks. */
export function createdEvent(input: {
  platformId: string;
  endUserId?: string;
  eventId?: string;
  budget?: { id?: string; maxUsd: number } | null;
  externalId?: string;
}): EndUserCreatedV1 {
  const now = new Date();
  const createdAt = now.toISOString();
  const endUserId = input.endUserId ?? randomUUID();
  return {
    event_id: input.eventId ?? randomUUID(),
    event_type: 'end_user.created',
    schema_version: 1,
    occurred_at: createdAt,
    platform_id: input.platformId,
    end_user_id: endUserId,
    data: {
      external_id: input.externalId ?? `crafted-${endUserId}`,
      display_name: null,
      metadata: {},
      is_active: true,
      created_at: createdAt,
      api_key: { id: randomUUID(), key_prefix: 'sk-eu_ab', name: 'Default key', scopes: ['inference'], created_at: createdAt },
      budget: input.budget
        ? { id: input.budget.id ?? randomUUID(), max_usd: input.budget.maxUsd, period: 'monthly', period_start: startOfUtcMonthIso(now) }
        : null,
    },
  };
}

/** The Kafka headers the API puts on a public event. */
export function eventHeaders(event: { event_type: string; event_id: string }): Record<string, string> {
  return { event_type: event.event_type, schema_version: '1', event_id: event.event_id, 'content-type': 'application/json' };
}

/** SIGTERM, so the process leaves its consumer group cleanly; SIGKILL if it does not exit in time. */
export async function stopGracefully(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => void killHard(child), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Runs `work` over `items` with at most `concurrency` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  });
  await Promise.all(runners);
  return results;
}

/** Everything in `text` that looks like key material: a raw end-user or platform key. */
export const RAW_KEY_PATTERN = /sk-(eu|plat)_[0-9a-f]{64}/;
