import { EndUserIntegrationEvent, IntegrationEventType } from '@app/contracts';
import { Sql } from '@app/persistence';

/** A side effect of one public event type; runs in the transaction that also records the event as processed. */
export interface Reaction {
  readonly name: string;
  readonly handles: IntegrationEventType;
  apply(sql: Sql, event: EndUserIntegrationEvent): Promise<void>;
}

/** Retrying cannot help (bad shape, unknown type, unknown platform): straight to the dead-letter topic. */
export class PermanentMessageError extends Error {}
