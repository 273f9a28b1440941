import { Command } from '@nestjs/cqrs';

export class DeleteRateLimitsCommand extends Command<void> {
  constructor(
    readonly platformId: string,
    readonly endUserId: string,
  ) {
    super();
  }
}
