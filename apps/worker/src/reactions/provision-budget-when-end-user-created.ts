import { openingEntryFor, toUsdString } from '@app/end-users';
import { EndUserCreatedV1, EndUserIntegrationEvent } from '@app/contracts';
import { Sql, Statement } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { PermanentMessageError, Reaction } from './reaction';

/**
 * Creates the budget decided at creation (same id) and its opening ledger row, together. The
 * unique constraints (one budget per user, one ledger row per source event) make a repeat a no-op,
 * and every timestamp comes from the event, never from this process's clock.
 */
@Injectable()
export class ProvisionBudgetWhenEndUserCreated implements Reaction {
  readonly name = 'provision-budget-when-end-user-created';
  readonly handles = 'end_user.created' as const;

  async apply(sql: Sql, event: EndUserIntegrationEvent): Promise<void> {
    const { data, platform_id: platformId, end_user_id: endUserId, event_id: eventId } = event as EndUserCreatedV1;
    if (data.budget === null) {
      await this.requirePlatform(sql, platformId);
      return;
    }
    const maxUsd = toUsdString(data.budget.max_usd);
    const opening = openingEntryFor({ budgetId: data.budget.id, maxUsd, period: data.budget.period, periodStart: data.budget.period_start });
    // Each value is bound once, under a name; a name used twice is the same placeholder.
    const s = new Statement();
    const platform = s.param(platformId);
    const endUser = s.param(endUserId);
    const createdAt = s.param(data.created_at);
    s.with('platform', `SELECT id FROM platforms WHERE id = ${platform}`)
      .with(
        'budget',
        `INSERT INTO budgets (id, platform_id, end_user_id, max_usd, used_usd, period, period_start, created_at, updated_at)
         SELECT ${s.param(data.budget.id)}, platform.id, ${endUser}, ${s.param(maxUsd)}, 0, ${s.param(data.budget.period)}, ${s.param(data.budget.period_start)},
                ${createdAt}, ${createdAt}
         FROM platform
         ON CONFLICT DO NOTHING
         RETURNING id`,
      )
      .with(
        'ledger',
        `INSERT INTO budget_ledger (id, budget_id, end_user_id, platform_id, type, amount_usd, max_usd_after, used_usd_after, remaining_usd_after, reason, created_at, source_event_id)
         SELECT ${s.param(randomUUID())}, budget.id, ${endUser}, ${platform}, ${s.param(opening.type)}, ${s.param(opening.amountUsd)}, ${s.param(opening.maxUsdAfter)},
                ${s.param(opening.usedUsdAfter)}, ${s.param(opening.remainingUsdAfter)}, ${s.param(opening.reason)}, ${createdAt}, ${s.param(eventId)}
         FROM budget
         ON CONFLICT DO NOTHING`,
      );
    const [{ platforms }] = await s.run<{ platforms: number }>(sql, 'SELECT count(*)::int AS platforms FROM platform');
    if (platforms === 0) throw new PermanentMessageError(`platform ${platformId} does not exist`);
  }

  /** An event of a platform this system does not know is not ours to apply, budget or not. */
  private async requirePlatform(sql: Sql, platformId: string): Promise<void> {
    const platforms = await sql.query('SELECT 1 FROM platforms WHERE id = $1', [platformId]);
    if (platforms.length === 0) throw new PermanentMessageError(`platform ${platformId} does not exist`);
  }
}
