import { CodePointLength } from '@app/http';
import { IsOptional, IsString } from 'class-validator';
import { PageQuery } from '../../pagination/page-query.dto';

export class ListEndUsersRequest extends PageQuery {
  @CodePointLength(1, 255, { message: 'external_id must be 1-255 characters' })
  @IsString({ message: 'external_id must be a single string' })
  @IsOptional()
  external_id?: string;
}
