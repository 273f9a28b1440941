import { MigrationInterface, QueryRunner } from 'typeorm';

/** Side-effect tables: budgets and their ledger (written by the worker), rate limits and MCP connections. */
export class BudgetsRateLimitsMcp1764300000004 implements MigrationInterface {
  name = 'BudgetsRateLimitsMcp1764300000004';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE budgets (
        id uuid PRIMARY KEY,
        platform_id uuid NOT NULL,
        end_user_id uuid NOT NULL,
        max_usd numeric(12,6) NOT NULL CHECK (max_usd >= 0),
        used_usd numeric(12,6) NOT NULL DEFAULT 0 CHECK (used_usd >= 0),
        period text NOT NULL CHECK (period IN ('one_time', 'daily', 'monthly')),
        period_start timestamptz NOT NULL,
        auto_replenish boolean NOT NULL DEFAULT false,
        replenish_amount numeric(12,6),
        low_balance_threshold numeric(12,6),
        is_active boolean NOT NULL DEFAULT true,
        is_suspended boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT budgets_one_per_end_user UNIQUE (end_user_id)
      )`);
    await db.query(`
      CREATE TABLE budget_ledger (
        id uuid PRIMARY KEY,
        budget_id uuid NOT NULL,
        end_user_id uuid NOT NULL,
        platform_id uuid NOT NULL,
        type text NOT NULL,
        amount_usd numeric(12,6) NOT NULL,
        max_usd_after numeric(12,6) NOT NULL,
        used_usd_after numeric(12,6) NOT NULL,
        remaining_usd_after numeric(12,6) NOT NULL,
        reason text,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL,
        source_event_id uuid NOT NULL,
        CONSTRAINT budget_ledger_one_row_per_source_event UNIQUE (source_event_id, type)
      )`);
    await db.query('CREATE INDEX budget_ledger_end_user_newest ON budget_ledger (end_user_id, created_at DESC, id DESC)');
    await db.query(`
      CREATE TABLE end_user_rate_limits (
        end_user_id uuid PRIMARY KEY,
        platform_id uuid NOT NULL,
        rpm_limit integer CHECK (rpm_limit > 0),
        tpm_limit integer CHECK (tpm_limit > 0),
        rpd_limit integer CHECK (rpd_limit > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE mcp_connections (
        id uuid PRIMARY KEY,
        platform_id uuid NOT NULL,
        end_user_id uuid NOT NULL,
        app text NOT NULL,
        status text NOT NULL DEFAULT 'active',
        credentials_encrypted bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT mcp_connections_one_per_app UNIQUE (end_user_id, app)
      )`);
    await db.query('CREATE INDEX mcp_connections_end_user_order ON mcp_connections (end_user_id, created_at, id)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE mcp_connections');
    await db.query('DROP TABLE end_user_rate_limits');
    await db.query('DROP TABLE budget_ledger');
    await db.query('DROP TABLE budgets');
  }
}
