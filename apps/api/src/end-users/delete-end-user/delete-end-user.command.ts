import { EventMetadata } from '@app/event-store';
import { Command } from '@nestjs/cqrs';

export class DeleteEndUserCommand extends Command<void> {
  constructor(
    readonly platformId: string,
    readonly endUserId: string,
    readonly context: Omit<EventMetadata, 'occurredAt'>,
    /** From If-Match: the stream version the client last saw. */
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
