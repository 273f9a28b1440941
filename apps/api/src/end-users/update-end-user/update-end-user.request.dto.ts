import { JsonObject } from '@app/end-users';
import { CodePointLength, IsJsonObject } from '@app/http';
import { Equals, IsBoolean, IsString, ValidateIf } from 'class-validator';
import { MAX_METADATA_BYTES } from '../create-end-user/create-end-user.request.dto';

export class UpdateEndUserRequest {
  @CodePointLength(1, 100, { message: 'display_name must be 1-100 characters' })
  @IsString({ message: 'display_name must be a string or null' })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  display_name?: string | null;

  @IsJsonObject({ maxBytes: MAX_METADATA_BYTES })
  @ValidateIf((_, value) => value !== undefined)
  metadata?: JsonObject;

  @IsBoolean({ message: 'is_active must be a boolean' })
  @ValidateIf((_, value) => value !== undefined)
  is_active?: boolean;

  @Equals(undefined, { message: 'external_id cannot be changed' })
  @ValidateIf((_, value) => value !== undefined)
  external_id?: never;
}
