import { PlatformPatch, PlatformResponse } from '@app/platforms';
import { Command } from '@nestjs/cqrs';

export class UpdatePlatformCommand extends Command<PlatformResponse> {
  constructor(
    readonly platformId: string,
    readonly patch: PlatformPatch,
  ) {
    super();
  }
}
