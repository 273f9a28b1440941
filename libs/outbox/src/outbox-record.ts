/** The message a stored event is published as: one outbox row, written in the event's own transaction. */
export interface OutboxRecord {
  /** The stored event's id: the outbox row's key, and the public event's id. */
  eventId: string;
  topic: string;
  key: string;
  payload: string;
  headers: Record<string, string>;
}
