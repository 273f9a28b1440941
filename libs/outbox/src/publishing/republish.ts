import { KAFKA_HEADERS } from '@app/contracts';
import { decodeEndUserEvent, END_USER_STREAM_PREFIX, endUserIdOfStream, endUserStreamId } from '@app/end-users';
import { readFirstEvents, readPositions } from '@app/event-store';
import { MessagePublisher } from '@app/kafka';
import type { Database } from '@app/persistence';
import type { DataKeys } from '@app/personal-data';
import { toOutboxRecord } from './integration-events';

export interface RepublishRange {
  fromPosition: bigint;
  toPosition?: bigint;
  endUserId?: string;
}

const PAGE = 1_000;

/**
 * Publishes the public form of stored events again, in position order (so each user's events keep
 * their order), with their original event ids and a `replay: true` header. Writes nothing to the
 * database and triggers no outbox row: consumers deduplicate by event_id as for any redelivery.
 * An erased user's events are left out, except its `end_user.deleted`: their personal fields are gone.
 */
export async function republishEvents(
  db: Database,
  dataKeys: DataKeys,
  publisher: MessagePublisher,
  topic: string,
  range: RepublishRange,
  onPage: (published: number, position: string) => void = () => {},
): Promise<number> {
  let after = range.fromPosition - 1n;
  let published = 0;
  for (;;) {
    const events = await readPositions(db, {
      after,
      upTo: range.toPosition,
      streamId: range.endUserId ? endUserStreamId(range.endUserId) : undefined,
      streamPrefix: END_USER_STREAM_PREFIX,
      limit: PAGE,
    });
    if (events.length === 0) return published;
    const streamIds = [...new Set(events.map((event) => event.streamId))];
    const [platformOf, ciphers] = await Promise.all([platformsOfStreams(db, streamIds), dataKeys.ciphersOf(db, streamIds.map(endUserIdOfStream))]);
    const messages = events.flatMap((stored) => {
      const cipher = ciphers.get(endUserIdOfStream(stored.streamId)) ?? null;
      if (cipher === null && stored.type !== 'EndUserDeleted') return [];
      const message = toOutboxRecord(topic, decodeEndUserEvent(stored, cipher), stored.eventId, platformOf.get(stored.streamId)!, stored.metadata);
      return [{ key: message.key, value: message.payload, headers: { ...message.headers, [KAFKA_HEADERS.replay]: 'true' } }];
    });
    if (messages.length > 0) await publisher.publish(topic, messages);
    published += messages.length;
    after = events[events.length - 1].globalPosition;
    onPage(published, after.toString());
  }
}

/** A stream's platform is fixed by its first event, its EndUserCreated. */
async function platformsOfStreams(db: Database, streamIds: string[]): Promise<Map<string, string>> {
  const platforms = new Map<string, string>();
  for (const first of await readFirstEvents(db, streamIds)) {
    // Only the platform (a fact) is read: no key is needed.
    const event = decodeEndUserEvent(first, null);
    if (event.type !== 'EndUserCreated') throw new Error(`stream ${first.streamId} does not begin with its creation`);
    platforms.set(first.streamId, event.data.platformId);
  }
  return platforms;
}
