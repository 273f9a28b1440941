import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** Query strings arrive as text: only plain decimal integers are numbers here ("1.5", "1e2", "" are not). */
const toInteger = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value);

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

/** `page` and `limit` for every list in the API. */
export class PageQuery {
  // class-validator checks bottom-up; the transform runs before any check.
  @Min(1, { message: 'page must be an integer of at least 1' })
  @IsInt({ message: 'page must be an integer of at least 1' })
  @IsOptional()
  @Transform(toInteger)
  @ApiPropertyOptional({ type: 'integer', minimum: 1, default: 1, description: 'Page number, from 1. Plain decimal integers only.' })
  page: number = 1;

  @Max(MAX_LIMIT, { message: `limit must be an integer from 1 to ${MAX_LIMIT}` })
  @Min(1, { message: `limit must be an integer from 1 to ${MAX_LIMIT}` })
  @IsInt({ message: `limit must be an integer from 1 to ${MAX_LIMIT}` })
  @IsOptional()
  @Transform(toInteger)
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_LIMIT,
    default: DEFAULT_LIMIT,
    description: `Items per page, at most ${MAX_LIMIT}. Plain decimal integers only.`,
  })
  limit: number = DEFAULT_LIMIT;
}

export interface Page<T> {
  data: T[];
  total: number;
  page: number;
  limit: number;
}
