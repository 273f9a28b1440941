import { EndUserIntegrationEvent } from '@app/contracts';
import { Sql } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { Reaction } from './reaction';

/**
 * The cascade of a delete: key hashes, budget and ledger, rate-limit override and MCP connections.
 * The API already removed the read rows (user, key metadata) in the delete's own transaction.
 */
@Injectable()
export class CleanUpWhenEndUserDeleted implements Reaction {
  readonly name = 'clean-up-when-end-user-deleted';
  readonly handles = 'end_user.deleted' as const;

  async apply(sql: Sql, event: EndUserIntegrationEvent): Promise<void> {
    await sql.query(
      `WITH ledger AS (DELETE FROM budget_ledger WHERE end_user_id = $1),
            budget AS (DELETE FROM budgets WHERE end_user_id = $1),
            rate_limits AS (DELETE FROM end_user_rate_limits WHERE end_user_id = $1),
            mcp AS (DELETE FROM mcp_connections WHERE end_user_id = $1)
       DELETE FROM end_user_key_hashes WHERE end_user_id = $1`,
      [event.end_user_id],
    );
  }
}
