import { EndUserChanges } from '@app/end-users';
import { EventMetadata } from '@app/event-store';
import { Command } from '@nestjs/cqrs';
import { EndUserResponse } from '../shared/end-user.response';

export class UpdateEndUserCommand extends Command<EndUserResponse> {
  constructor(
    readonly platformId: string,
    readonly endUserId: string,
    readonly changes: EndUserChanges,
    readonly context: Omit<EventMetadata, 'occurredAt'>,
  ) {
    super();
  }
}
