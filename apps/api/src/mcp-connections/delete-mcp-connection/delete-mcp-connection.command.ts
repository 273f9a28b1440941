import { Command } from '@nestjs/cqrs';

export class DeleteMcpConnectionCommand extends Command<void> {
  constructor(
    readonly platformId: string,
    readonly endUserId: string,
    readonly connectionId: string,
  ) {
    super();
  }
}
