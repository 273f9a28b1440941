import { UsdString } from './money';

export type BudgetPeriod = 'one_time' | 'daily' | 'monthly';

/** The budget decided when an end user is created; the worker provisions exactly this. */
export interface AutoBudgetDecision {
  budgetId: string;
  maxUsd: UsdString;
  period: 'monthly';
  periodStart: string;
}

export function startOfUtcMonth(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

export function decideAutoBudget(input: { defaultBudgetUsd: UsdString | null; budgetId: string; now: Date }): AutoBudgetDecision | null {
  if (input.defaultBudgetUsd === null) return null;
  return {
    budgetId: input.budgetId,
    maxUsd: input.defaultBudgetUsd,
    period: 'monthly',
    periodStart: startOfUtcMonth(input.now).toISOString(),
  };
}
