import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { IsIsoTimestamp, parseIsoTimestamp } from './iso-timestamp';

const AS_OF_MESSAGE = 'as_of must be an ISO 8601 timestamp with a time zone, e.g. 2026-04-08T10:30:00Z';

/** The query of GET .../end-users/{endUserId}; declaring it makes any other query parameter a 400. */
export class GetEndUserRequest {
  // class-validator checks bottom-up, and only the first failure of a field is reported.
  @IsIsoTimestamp({ message: AS_OF_MESSAGE })
  @IsString({ message: AS_OF_MESSAGE })
  @IsOptional()
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Show the user as it was at this instant: an ISO 8601 timestamp with a time zone. Any other query parameter is a 400.',
    example: '2026-04-08T10:30:00Z',
  })
  as_of?: string;

  /** The validated as_of as an instant, or null when absent. */
  asOfDate(): Date | null {
    return this.as_of === undefined ? null : new Date(parseIsoTimestamp(this.as_of)!);
  }
}
