export interface OutboxMessage {
  eventId: string;
  topic: string;
  key: string;
  payload: string;
  headers: Record<string, string>;
}
