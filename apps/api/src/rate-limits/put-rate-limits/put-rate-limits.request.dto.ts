import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min, ValidateIf } from 'class-validator';

const MAX_LIMIT = 2_147_483_647;
const limit = (description: string, example: number | null) =>
  ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 1, maximum: MAX_LIMIT, description: `${description}; null or absent for none.`, example });
const message = (field: string) => `${field} must be a positive integer (at most ${MAX_LIMIT}) or null`;

/** The whole override: a limit left out or null means "no override for it". */
export class PutRateLimitsRequest {
  @Max(MAX_LIMIT, { message: message('rpm_limit') })
  @Min(1, { message: message('rpm_limit') })
  @IsInt({ message: message('rpm_limit') })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @limit('Requests per minute', 60)
  rpm_limit?: number | null;

  @Max(MAX_LIMIT, { message: message('tpm_limit') })
  @Min(1, { message: message('tpm_limit') })
  @IsInt({ message: message('tpm_limit') })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @limit('Tokens per minute', 100000)
  tpm_limit?: number | null;

  @Max(MAX_LIMIT, { message: message('rpd_limit') })
  @Min(1, { message: message('rpd_limit') })
  @IsInt({ message: message('rpd_limit') })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @limit('Requests per day', null)
  rpd_limit?: number | null;
}
