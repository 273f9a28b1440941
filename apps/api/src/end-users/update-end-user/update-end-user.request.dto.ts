import { JsonObject } from '@app/end-users';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Equals, IsBoolean, ValidateIf } from 'class-validator';
import { DisplayNameRules, MetadataRules } from '../shared/end-user-field-rules';

export class UpdateEndUserRequest {
  @DisplayNameRules()
  @ApiPropertyOptional({ type: String, nullable: true, minLength: 1, maxLength: 100, description: 'The new name; `null` clears it.', example: 'Jane Doe' })
  display_name?: string | null;

  @MetadataRules()
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Replaces the stored object entirely (no deep merge). A JSON object (never null), at most 16 KiB serialized and 32 levels deep.',
    example: { plan: 'team' },
  })
  metadata?: JsonObject;

  @IsBoolean({ message: 'is_active must be a boolean' })
  @ValidateIf((_, value) => value !== undefined)
  @ApiPropertyOptional({ description: 'Activate or deactivate the end user.', example: false })
  is_active?: boolean;

  @Equals(undefined, { message: 'external_id cannot be changed' })
  @ValidateIf((_, value) => value !== undefined)
  external_id?: never;
}
