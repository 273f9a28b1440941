import { AutoBudgetDecision, usdToNumber } from '@app/budgets';
import { EndUser, IssuedApiKey, JsonObject } from '@app/end-users';
import { EndUserRow } from '@app/read-models';

export interface EndUserResponse {
  id: string;
  platform_id: string;
  external_id: string;
  display_name: string | null;
  metadata: JsonObject;
  is_active: boolean;
  created_at: string;
  updated_at: string;
}

export function endUserResponseFromRow(row: EndUserRow): EndUserResponse {
  return {
    id: row.id,
    platform_id: row.platform_id,
    external_id: row.external_id,
    display_name: row.display_name,
    metadata: row.metadata,
    is_active: row.is_active,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function endUserResponseFromState(user: EndUser): EndUserResponse {
  return {
    id: user.id,
    platform_id: user.platformId,
    external_id: user.externalId,
    display_name: user.displayName,
    metadata: user.metadata,
    is_active: user.isActive,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  };
}

export interface CreatedApiKeyResponse {
  id: string;
  platform_id: string;
  end_user_id: string;
  key_prefix: string;
  name: string;
  scopes: string[];
  is_active: boolean;
  expires_at: string | null;
  last_used_at: string | null;
  created_at: string;
  raw_key: string;
}

/** The only place a raw key is ever put in a response: the one that created it. */
export function createdApiKeyResponse(key: IssuedApiKey, user: EndUser, rawKey: string): CreatedApiKeyResponse {
  return {
    id: key.keyId,
    platform_id: user.platformId,
    end_user_id: user.id,
    key_prefix: key.keyPrefix,
    name: key.name,
    scopes: key.scopes,
    is_active: true,
    expires_at: null,
    last_used_at: null,
    created_at: key.issuedAt,
    raw_key: rawKey,
  };
}

export interface BudgetResponse {
  id: string;
  platform_id: string;
  end_user_id: string;
  max_usd: number;
  used_usd: number;
  remaining_usd: number;
  period: string;
  period_start: string;
  auto_replenish: boolean;
  replenish_amount: number | null;
  low_balance_threshold: number | null;
  is_active: boolean;
  is_suspended: boolean;
  created_at: string;
  updated_at: string;
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
