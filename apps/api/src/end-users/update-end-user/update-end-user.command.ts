import { EndUserChanges } from '@app/end-users';
import { EventMetadata } from '@app/event-store';
import { Command } from '@nestjs/cqrs';
import { EndUserResponse } from '../shared/end-user.response';
import { Versioned } from '../shared/stream-version';

export class UpdateEndUserCommand extends Command<Versioned<EndUserResponse>> {
  constructor(
    readonly platformId: string,
    readonly endUserId: string,
    readonly changes: EndUserChanges,
    readonly context: Omit<EventMetadata, 'occurredAt'>,
    /** From If-Match: the stream version the client last saw. */
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
