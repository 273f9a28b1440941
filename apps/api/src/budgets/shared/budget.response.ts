import { BudgetResponse } from '../../end-users/shared/end-user.response';
import { BudgetRow, LedgerRow } from './budget-rows';

const money = (value: string) => Number(value);
const moneyOrNull = (value: string | null) => (value === null ? null : Number(value));

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

export interface LedgerEntryResponse {
  id: string;
  budget_id: string;
  end_user_id: string;
  platform_id: string;
  type: string;
  amount_usd: number;
  max_usd_after: number;
  used_usd_after: number;
  remaining_usd_after: number;
  reason: string | null;
  metadata: Record<string, unknown>;
  created_at: string;
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
