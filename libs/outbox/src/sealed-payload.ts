import type { PersonalFieldCipher } from '@app/end-users';
import { OutboxRecord } from './outbox-record';
import { KAFKA_HEADERS } from '@app/contracts';
import { SEALED_PREFIX } from '@app/personal-data';

/**
 * Outbox payloads that hold personal data are sealed with the user's data key: the DELETE that
 * destroys the key leaves no readable copy in the outbox, even of a row not yet published.
 * `end_user.deleted` carries no personal data and stays readable, so the notice still goes out.
 */
export function sealOutboxRecord(record: OutboxRecord, cipher: PersonalFieldCipher): OutboxRecord {
  if (record.headers[KAFKA_HEADERS.eventType] === 'end_user.deleted') return record;
  return { ...record, payload: cipher.seal(fieldOf(record.eventId), record.payload) };
}

export function isSealedPayload(payload: string): boolean {
  return payload.startsWith(SEALED_PREFIX);
}

export function openOutboxPayload(eventId: string, payload: string, cipher: PersonalFieldCipher): string {
  return cipher.open(fieldOf(eventId), payload);
}

function fieldOf(eventId: string): string {
  return `outbox:${eventId}`;
}
