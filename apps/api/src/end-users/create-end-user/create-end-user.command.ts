import { Command } from '@nestjs/cqrs';
import { JsonObject } from '@app/end-users';
import { EventMetadata } from '@app/event-store';
import { CreatedEndUserResponse } from '../shared/end-user.response';

export interface CreateEndUserResult {
  created: boolean;
  body: CreatedEndUserResponse;
  /** The stream version after this request: the response's ETag. */
  version: number;
}

export class CreateEndUserCommand extends Command<CreateEndUserResult> {
  constructor(
    readonly platformId: string,
    readonly externalId: string,
    readonly displayName: string | null,
    readonly metadata: JsonObject,
    /** The platform's default budget as read when the request was authenticated. */
    readonly defaultBudgetUsd: number | null,
    readonly context: Omit<EventMetadata, 'occurredAt'>,
  ) {
    super();
  }
}
