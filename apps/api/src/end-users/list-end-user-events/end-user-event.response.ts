import { StoredEvent } from '@app/event-store';
import { EndUserIntegrationEvent, INTEGRATION_EVENT_TYPES } from '@app/contracts';
import { decodeEndUserEvent, PersonalFieldCipher } from '@app/end-users';
import { toIntegrationEvent } from '@app/outbox';
import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { END_USER_EVENT_DATA_MODELS } from './end-user-event-data.response';

/** One entry of a user's history: who did what, when, and what changed. */
@ApiExtraModels(...Object.values(END_USER_EVENT_DATA_MODELS))
export class EndUserEventResponse {
  @ApiProperty({ format: 'uuid', description: 'The same id as the public event on Kafka.', example: '8d1e6f3a-5b2c-4a7d-9e0f-1c3b5a7d9e2f' })
  event_id!: string;

  @ApiProperty({ type: 'integer', minimum: 1, description: "The version of the user's stream this event made (1 for the creation).", example: 1 })
  version!: number;

  @ApiProperty({ type: 'integer', description: 'Position in the global event log.', example: 1042 })
  position!: number;

  @ApiProperty({ enum: INTEGRATION_EVENT_TYPES, example: 'end_user.created' })
  event_type!: EndUserIntegrationEvent['event_type'];

  @ApiProperty({ format: 'date-time', example: '2026-04-08T10:30:00.000Z' })
  occurred_at!: string;

  @ApiProperty({ format: 'date-time', description: 'When the event store committed it.', example: '2026-04-08T10:30:00.012Z' })
  recorded_at!: string;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The id of the platform key that made the change, when known.',
    example: 'c7a1e5d3-9b2f-4e6a-8d0c-3f5b7a9e1d24',
  })
  actor_key_id!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The X-Request-Id of the request that made the change, when known.',
    example: '6f1c2b0e-3c1d-4c4f-9a51-2b8f0d2f7a10',
  })
  request_id!: string | null;

  // anyOf, not oneOf: the models are open (events grow by optional fields), so a creation's data
  // also fits the key-issued model; `event_type` says which one applies.
  @ApiProperty({
    anyOf: Object.values(END_USER_EVENT_DATA_MODELS).map((model) => ({ $ref: getSchemaPath(model) })),
    description:
      'The `data` of the public integration event of this `event_type` (see docs/asyncapi.yaml), in the model named for that type: changed fields only, ' +
      'keys by id and prefix, never key material.',
  })
  data!: EndUserIntegrationEvent['data'];
}

/**
 * `event_type` and `data` are those of the public integration event, the view made for outsiders:
 * changed fields only, keys by id and prefix, never a raw key or a hash.
 */
export function endUserEventResponse(stored: StoredEvent, platformId: string, cipher: PersonalFieldCipher | null): EndUserEventResponse {
  const event = decodeEndUserEvent(stored, cipher);
  const published = toIntegrationEvent(event, stored.eventId, platformId, stored.metadata.occurredAt);
  return {
    event_id: stored.eventId,
    version: stored.streamVersion,
    position: Number(stored.globalPosition),
    event_type: published.event_type,
    occurred_at: stored.metadata.occurredAt,
    recorded_at: stored.recordedAt.toISOString(),
    actor_key_id: stored.metadata.actorKeyId ?? null,
    request_id: stored.metadata.requestId ?? null,
    data: published.data,
  };
}
