import { AutoBudgetDecision } from './auto-budget';
import { UsdString } from './money';

export const OPENING_ENTRY_TYPE = 'opening';
export const AUTO_BUDGET_REASON = 'auto_budget';

export interface OpeningLedgerEntry {
  type: typeof OPENING_ENTRY_TYPE;
  amountUsd: UsdString;
  maxUsdAfter: UsdString;
  usedUsdAfter: UsdString;
  remainingUsdAfter: UsdString;
  reason: typeof AUTO_BUDGET_REASON;
}

/** The first ledger row of an auto-budget: the whole allowance, nothing used. */
export function openingEntryFor(budget: AutoBudgetDecision): OpeningLedgerEntry {
  return {
    type: OPENING_ENTRY_TYPE,
    amountUsd: budget.maxUsd,
    maxUsdAfter: budget.maxUsd,
    usedUsdAfter: '0.000000',
    remainingUsdAfter: budget.maxUsd,
    reason: AUTO_BUDGET_REASON,
  };
}
