import { AutoBudgetDecision, usdToNumber } from '@app/end-users';
import { EndUser } from '@app/end-users';
import { ApiProperty } from '@nestjs/swagger';
import { BudgetRow, LedgerRow } from './budget-rows';

const money = (value: string) => Number(value);
const moneyOrNull = (value: string | null) => (value === null ? null : Number(value));

/** A USD budget; money is exact to 6 decimal places and carried as JSON numbers. */
export class BudgetResponse {
  @ApiProperty({ format: 'uuid', example: '2e7d4c1b-8f3a-4b6e-9d2c-5a1f7e3b0c68' })
  id!: string;

  @ApiProperty({ format: 'uuid', example: '5d2c7e1a-1f3b-4c8e-8a0d-6b9e2f4a7c31' })
  platform_id!: string;

  @ApiProperty({ format: 'uuid', example: '0b9f5a8e-6d1c-4a57-9a55-3a1e4c1f2b7d' })
  end_user_id!: string;

  @ApiProperty({ type: Number, minimum: 0, example: 25 })
  max_usd!: number;

  @ApiProperty({ type: Number, minimum: 0, example: 0 })
  used_usd!: number;

  @ApiProperty({ type: Number, description: '`max_usd - used_usd`.', example: 25 })
  remaining_usd!: number;

  @ApiProperty({ enum: ['one_time', 'daily', 'monthly'], example: 'monthly' })
  period!: string;

  @ApiProperty({ format: 'date-time', description: 'Start of the current period (UTC).', example: '2026-04-01T00:00:00.000Z' })
  period_start!: string;

  @ApiProperty({ example: false })
  auto_replenish!: boolean;

  @ApiProperty({ type: Number, nullable: true, example: null })
  replenish_amount!: number | null;

  @ApiProperty({ type: Number, nullable: true, example: null })
  low_balance_threshold!: number | null;

  @ApiProperty({ example: true })
  is_active!: boolean;

  @ApiProperty({ example: false })
  is_suspended!: boolean;

  @ApiProperty({ format: 'date-time', example: '2026-04-08T10:30:00.000Z' })
  created_at!: string;

  @ApiProperty({ format: 'date-time', example: '2026-04-08T10:30:00.000Z' })
  updated_at!: string;
}

/** The auto-budget as decided at creation: exactly what the worker provisions under the same id. */
export function decidedBudgetResponse(budget: AutoBudgetDecision, user: EndUser): BudgetResponse {
  const maxUsd = usdToNumber(budget.maxUsd);
  return {
    id: budget.budgetId,
    platform_id: user.platformId,
    end_user_id: user.id,
    max_usd: maxUsd,
    used_usd: 0,
    remaining_usd: maxUsd,
    period: budget.period,
    period_start: budget.periodStart,
    auto_replenish: false,
    replenish_amount: null,
    low_balance_threshold: null,
    is_active: true,
    is_suspended: false,
    created_at: user.createdAt,
    updated_at: user.createdAt,
  };
}

export function budgetResponse(row: BudgetRow): BudgetResponse {
  return {
    id: row.id,
    platform_id: row.platform_id,
    end_user_id: row.end_user_id,
    max_usd: money(row.max_usd),
    used_usd: money(row.used_usd),
    remaining_usd: money(row.remaining_usd),
    period: row.period,
    period_start: row.period_start.toISOString(),
    auto_replenish: row.auto_replenish,
    replenish_amount: moneyOrNull(row.replenish_amount),
    low_balance_threshold: moneyOrNull(row.low_balance_threshold),
    is_active: row.is_active,
    is_suspended: row.is_suspended,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** One budget mutation, with the budget's figures right after it. */
export class LedgerEntryResponse {
  @ApiProperty({ format: 'uuid', example: '7a3e9c2d-4b1f-4e8a-a6d5-0c2b8f1e9d47' })
  id!: string;

  @ApiProperty({ format: 'uuid', example: '2e7d4c1b-8f3a-4b6e-9d2c-5a1f7e3b0c68' })
  budget_id!: string;

  @ApiProperty({ format: 'uuid', example: '0b9f5a8e-6d1c-4a57-9a55-3a1e4c1f2b7d' })
  end_user_id!: string;

  @ApiProperty({ format: 'uuid', example: '5d2c7e1a-1f3b-4c8e-8a0d-6b9e2f4a7c31' })
  platform_id!: string;

  @ApiProperty({ description: 'The kind of mutation; `opening` for the row that opened the budget.', example: 'opening' })
  type!: string;

  @ApiProperty({ type: Number, example: 25 })
  amount_usd!: number;

  @ApiProperty({ type: Number, example: 25 })
  max_usd_after!: number;

  @ApiProperty({ type: Number, example: 0 })
  used_usd_after!: number;

  @ApiProperty({ type: Number, example: 25 })
  remaining_usd_after!: number;

  @ApiProperty({ type: String, nullable: true, description: '`auto_budget` for the opening row of an auto-budget.', example: 'auto_budget' })
  reason!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, example: {} })
  metadata!: Record<string, unknown>;

  @ApiProperty({ format: 'date-time', example: '2026-04-08T10:30:00.000Z' })
  created_at!: string;
}

export function ledgerEntryResponse(row: LedgerRow): LedgerEntryResponse {
  return {
    id: row.id,
    budget_id: row.budget_id,
    end_user_id: row.end_user_id,
    platform_id: row.platform_id,
    type: row.type,
    amount_usd: money(row.amount_usd),
    max_usd_after: money(row.max_usd_after),
    used_usd_after: money(row.used_usd_after),
    remaining_usd_after: money(row.remaining_usd_after),
    reason: row.reason,
    metadata: row.metadata,
    created_at: row.created_at.toISOString(),
  };
}
