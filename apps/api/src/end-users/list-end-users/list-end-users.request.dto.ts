import { CodePointLength } from '@app/http';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { PageQuery } from '../../pagination/page-query.dto';

export class ListEndUsersRequest extends PageQuery {
  @CodePointLength(1, 255, { message: 'external_id must be 1-255 characters' })
  @IsString({ message: 'external_id must be a single string' })
  @IsOptional()
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 255,
    description: 'Only the user with this external id (an empty list when there is none). Any other query parameter is a 400.',
    example: 'user-123',
  })
  external_id?: string;
}
