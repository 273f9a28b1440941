import { Sql } from '@app/persistence';

export interface BudgetRow {
  id: string;
  platform_id: string;
  end_user_id: string;
  max_usd: string;
  used_usd: string;
  remaining_usd: string;
  period: string;
  period_start: Date;
  auto_replenish: boolean;
  replenish_amount: string | null;
  low_balance_threshold: string | null;
  is_active: boolean;
  is_suspended: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface LedgerRow {
  id: string;
  budget_id: string;
  end_user_id: string;
  platform_id: string;
  type: string;
  amount_usd: string;
  max_usd_after: string;
  used_usd_after: string;
  remaining_usd_after: string;
  reason: string | null;
  metadata: Record<string, unknown>;
  created_at: Date;
}

/** `user` is false when there is no such end user on the platform; `budget` null when it has none. */
export async function findBudgetOfEndUser(sql: Sql, platformId: string, endUserId: string): Promise<{ user: boolean; budget: BudgetRow | null }> {
  const rows = await sql.query<{ user_id: string } & Partial<BudgetRow>>(
    `SELECT u.id AS user_id, b.id, b.platform_id, b.end_user_id, b.max_usd, b.used_usd, b.max_usd - b.used_usd AS remaining_usd,
            b.period, b.period_start, b.auto_replenish, b.replenish_amount, b.low_balance_threshold, b.is_active, b.is_suspended,
            b.created_at, b.updated_at
     FROM end_users u LEFT JOIN budgets b ON b.end_user_id = u.id
     WHERE u.id = $1 AND u.platform_id = $2`,
    [endUserId, platformId],
  );
  if (rows.length === 0) return { user: false, budget: null };
  return { user: true, budget: rows[0].id ? (rows[0] as BudgetRow) : null };
}

/** The ledger of a user's budget, newest first. */
export async function listLedger(sql: Sql, endUserId: string, page: number, limit: number): Promise<{ rows: LedgerRow[]; total: number }> {
  const [rows, counted] = await Promise.all([
    sql.query<LedgerRow>(
      `SELECT id, budget_id, end_user_id, platform_id, type, amount_usd, max_usd_after, used_usd_after, remaining_usd_after, reason, metadata, created_at
       FROM budget_ledger WHERE end_user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`,
      [endUserId, limit, (page - 1) * limit],
    ),
    sql.query<{ total: string }>('SELECT count(*) AS total FROM budget_ledger WHERE end_user_id = $1', [endUserId]),
  ]);
  return { rows, total: Number(counted[0].total) };
}
