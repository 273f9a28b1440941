import { IsJsonObject } from '@app/http';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsString, Matches, ValidateIf } from 'class-validator';

export class CreateMcpConnectionRequest {
  @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/, { message: 'app must be a slug: 1-64 lowercase letters, digits, "-" or "_", starting with a letter or digit' })
  @IsString({ message: 'app must be a string' })
  @IsDefined({ message: 'app is required' })
  @ApiProperty({
    pattern: '^[a-z0-9][a-z0-9_-]{0,63}$',
    description: 'The app slug: 1-64 lowercase letters, digits, "-" or "_", starting with a letter or digit.',
    example: 'github',
  })
  app!: string;

  @IsJsonObject({ maxBytes: 16 * 1024 })
  @ValidateIf((_, value) => value !== undefined)
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Any JSON object, at most 16 KiB serialized; encrypted at rest (AES-256-GCM) and never returned.',
    example: { token: 'ghp_example' },
  })
  credentials?: Record<string, unknown>;
}
