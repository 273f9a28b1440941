import { decideAutoBudget, startOfUtcMonth } from './auto-budget';
import { isValidUsdAmount, toUsdString } from './money';
import { openingEntryFor } from './opening-ledger-entry';

describe('auto-budget', () => {
  const now = new Date('2026-04-08T10:30:00.123Z');

  it('decides no budget when the platform has no default', () => {
    expect(decideAutoBudget({ defaultBudgetUsd: null, budgetId: 'b1', now })).toBeNull();
  });

  it('decides a monthly budget starting at the first instant of the UTC month', () => {
    expect(decideAutoBudget({ defaultBudgetUsd: '25.500000', budgetId: 'b1', now })).toEqual({
      budgetId: 'b1',
      maxUsd: '25.500000',
      period: 'monthly',
      periodStart: '2026-04-01T00:00:00.000Z',
    });
  });

  it('uses UTC, not local time, at a month boundary', () => {
    expect(startOfUtcMonth(new Date('2026-03-31T23:59:59.999Z')).toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(startOfUtcMonth(new Date('2026-04-01T00:00:00.000Z')).toISOString()).toBe('2026-04-01T00:00:00.000Z');
  });

  it('opens the ledger with the whole allowance', () => {
    const budget = decideAutoBudget({ defaultBudgetUsd: '10.000000', budgetId: 'b1', now })!;
    expect(openingEntryFor(budget)).toEqual({
      type: 'opening',
      amountUsd: '10.000000',
      maxUsdAfter: '10.000000',
      usedUsdAfter: '0.000000',
      remainingUsdAfter: '10.000000',
      reason: 'auto_budget',
    });
  });
});

describe('usd amounts', () => {
  it.each([0.000001, 1, 10.5, 999999.999999])('accepts %p', (value) => {
    expect(isValidUsdAmount(value)).toBe(true);
  });

  it.each([0, -1, 0.0000001, 1_000_000, Number.NaN, Number.POSITIVE_INFINITY, '10', null])('rejects %p', (value) => {
    expect(isValidUsdAmount(value)).toBe(false);
  });

  it('formats with six decimal places', () => {
    expect(toUsdString(10.5)).toBe('10.500000');
  });
});
