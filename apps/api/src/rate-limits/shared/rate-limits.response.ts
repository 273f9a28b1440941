import { ApiProperty } from '@nestjs/swagger';
import { RateLimitRow } from './rate-limit-rows';

/** The rate-limit override of one end user; a `null` limit means no override for it. */
export class RateLimitsResponse {
  @ApiProperty({ format: 'uuid', example: '0b9f5a8e-6d1c-4a57-9a55-3a1e4c1f2b7d' })
  end_user_id!: string;

  @ApiProperty({ type: 'integer', nullable: true, minimum: 1, description: 'Requests per minute.', example: 60 })
  rpm_limit!: number | null;

  @ApiProperty({ type: 'integer', nullable: true, minimum: 1, description: 'Tokens per minute.', example: 100000 })
  tpm_limit!: number | null;

  @ApiProperty({ type: 'integer', nullable: true, minimum: 1, description: 'Requests per day.', example: null })
  rpd_limit!: number | null;

  @ApiProperty({ format: 'date-time', example: '2026-04-08T10:30:00.000Z' })
  created_at!: string;

  @ApiProperty({ format: 'date-time', example: '2026-04-08T10:30:00.000Z' })
  updated_at!: string;
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
