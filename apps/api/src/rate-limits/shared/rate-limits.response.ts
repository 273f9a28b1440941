import { RateLimitRow } from './rate-limit-rows';

export interface RateLimitsResponse {
  end_user_id: string;
  rpm_limit: number | null;
  tpm_limit: number | null;
  rpd_limit: number | null;
  created_at: string;
  updated_at: string;
}

export function rateLimitsResponse(row: RateLimitRow): RateLimitsResponse {
  return {
    end_user_id: row.end_user_id,
    rpm_limit: row.rpm_limit,
    tpm_limit: row.tpm_limit,
    rpd_limit: row.rpd_limit,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
