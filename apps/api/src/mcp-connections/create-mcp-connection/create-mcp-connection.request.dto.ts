import { IsJsonObject } from '@app/http';
import { IsDefined, IsString, Matches, ValidateIf } from 'class-validator';

export class CreateMcpConnectionRequest {
  @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/, { message: 'app must be a slug: 1-64 lowercase letters, digits, "-" or "_", starting with a letter or digit' })
  @IsString({ message: 'app must be a string' })
  @IsDefined({ message: 'app is required' })
  app!: string;

  @IsJsonObject({ maxBytes: 16 * 1024 })
  @ValidateIf((_, value) => value !== undefined)
  credentials?: Record<string, unknown>;
}
