import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { PageQuery } from '../../pagination/page-query.dto';

export class ListEndUsersRequest extends PageQuery {
  @MaxLength(255, { message: 'external_id must be 1-255 characters' })
  @MinLength(1, { message: 'external_id must be 1-255 characters' })
  @IsString({ message: 'external_id must be a single string' })
  @IsOptional()
  external_id?: string;
}
