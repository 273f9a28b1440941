import { EndUserIntegrationEvent, validateIntegrationEvent } from '@app/contracts';
import { Database } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { recordProcessed } from '../inbox/inbox';
import { CleanUpWhenEndUserDeleted } from '../reactions/clean-up-when-end-user-deleted';
import { ProvisionBudgetWhenEndUserCreated } from '../reactions/provision-budget-when-end-user-created';
import { PermanentMessageError, Reaction } from '../reactions/reaction';

export type ProcessOutcome = 'applied' | 'duplicate' | 'no_reaction';

/** Decodes one message and applies its reactions with the inbox record, in one transaction. */
@Injectable()
export class EventProcessor {
  private readonly reactions: Reaction[];

  constructor(
    private readonly db: Database,
    provisionBudget: ProvisionBudgetWhenEndUserCreated,
    cleanUp: CleanUpWhenEndUserDeleted,
  ) {
    this.reactions = [provisionBudget, cleanUp];
  }

  decode(value: Buffer | null): EndUserIntegrationEvent {
    if (value === null) throw new PermanentMessageError('message has no value');
    let parsed: unknown;
    try {
      parsed = JSON.parse(value.toString('utf8'));
    } catch {
      throw new PermanentMessageError('message value is not valid JSON');
    }
    const result = validateIntegrationEvent(parsed);
    if (!result.valid) throw new PermanentMessageError(`message does not match its schema: ${result.errors.join('; ')}`);
    return result.event;
  }

  async process(event: EndUserIntegrationEvent): Promise<ProcessOutcome> {
    const reactions = this.reactions.filter((reaction) => reaction.handles === event.event_type);
    if (reactions.length === 0) return 'no_reaction';
    return this.db.transaction(async (sql) => {
      let outcome: ProcessOutcome = 'duplicate';
      for (const reaction of reactions) {
        if (!(await recordProcessed(sql, reaction.name, event.event_id))) continue;
        await reaction.apply(sql, event);
        outcome = 'applied';
      }
      return outcome;
    });
  }
}
