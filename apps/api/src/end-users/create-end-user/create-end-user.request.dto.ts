import { CodePointLength } from '@app/http';
import { JsonObject } from '@app/end-users';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsString } from 'class-validator';
import { DisplayNameRules, MetadataRules } from '../shared/end-user-field-rules';

export class CreateEndUserRequest {
  // class-validator checks bottom-up, and only the first failure of a field is reported.
  @CodePointLength(1, 255, { message: 'external_id must be 1-255 characters' })
  @IsString({ message: 'external_id must be a string' })
  @IsDefined({ message: 'external_id is required' })
  @ApiProperty({
    minLength: 1,
    maxLength: 255,
    description: 'Your unique identifier for this user, unique per platform. Length in Unicode characters.',
    example: 'user-123',
  })
  external_id!: string;

  @DisplayNameRules()
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    minLength: 1,
    maxLength: 100,
    description: 'Human-readable name; `null` or absent for none.',
    example: 'Jane Smith',
  })
  display_name?: string | null;

  @MetadataRules()
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Arbitrary JSON object (not null, not an array), at most 16 KiB serialized and 32 levels deep; `{}` when absent.',
    example: { plan: 'pro' },
  })
  metadata?: JsonObject;
}
