import { END_USER_EVENTS_TOPIC, INTEGRATION_EVENT_SCHEMAS, INTEGRATION_EVENT_TYPES, IntegrationEventType, KAFKA_HEADERS } from '@app/contracts';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot, projectVersion } from './project-root';

type Json = Record<string, unknown>;

const SCHEMAS_DIR = 'libs/contracts/src/schemas';
const DEAD_LETTER_TOPIC = `${END_USER_EVENTS_TOPIC}.dlt`;
const KAFKA_BINDING_VERSION = '0.5.0';
/** The default of KAFKA_TOPIC_RETENTION_MS, which scripts/kafka/ensure-topics.js sets on both topics (7 days). */
export const DEFAULT_TOPIC_RETENTION_MS = 604_800_000;
const PERSONAL_FIELDS = '`external_id`, `display_name` and `metadata`';
const RETENTION =
  `The topic keeps a message for its \`retention.ms\`: ${DEFAULT_TOPIC_RETENTION_MS} (7 days) unless the operator sets KAFKA_TOPIC_RETENTION_MS ` +
  "(always finite), so the broker's copies of an erased end user's events expire.";
/** Said of a message beyond its schema's description. */
const MESSAGE_DESCRIPTIONS: Partial<Record<IntegrationEventType, string>> = {
  'end_user.deleted':
    'Receiving this event obliges every subscriber ' +
    `to erase its own copies of that end user's personal data (${PERSONAL_FIELDS}, from every event of that end user it received), ` +
    `finding them by \`end_user_id\` (also the message key). ${RETENTION}`,
};
const topicConfiguration = { 'cleanup.policy': ['delete'], 'retention.ms': DEFAULT_TOPIC_RETENTION_MS };
const EXAMPLE_IDS = {
  event: '8d1e6f3a-5b2c-4a7d-9e0f-1c3b5a7d9e2f',
  platform: '5d2c7e1a-1f3b-4c8e-8a0d-6b9e2f4a7c31',
  endUser: '0b9f5a8e-6d1c-4a57-9a55-3a1e4c1f2b7d',
  key: '9c4e2d7b-3a5f-4e1c-b8d2-7f6a1e0c5b94',
  request: '6f1c2b0e-3c1d-4c4f-9a51-2b8f0d2f7a10',
};

/** One example payload per event type; test/docs checks each against its JSON Schema. */
export const EVENT_EXAMPLES: Record<IntegrationEventType, Json> = {
  'end_user.created': envelopeExample('end_user.created', {
    external_id: 'user-123',
    display_name: 'Jane Smith',
    metadata: { plan: 'pro' },
    is_active: true,
    created_at: '2026-04-08T10:30:00.000Z',
    api_key: { id: EXAMPLE_IDS.key, key_prefix: 'sk-eu_10', name: 'Default key', scopes: ['inference'], created_at: '2026-04-08T10:30:00.000Z' },
    budget: { id: '2e7d4c1b-8f3a-4b6e-9d2c-5a1f7e3b0c68', max_usd: 25, period: 'monthly', period_start: '2026-04-01T00:00:00.000Z' },
  }),
  'end_user.updated': envelopeExample('end_user.updated', { changes: { display_name: 'Jane Doe', is_active: false }, updated_at: '2026-04-09T08:00:00.000Z' }),
  'end_user.api_key_issued': envelopeExample('end_user.api_key_issued', {
    api_key: { id: EXAMPLE_IDS.key, key_prefix: 'sk-eu_7f', name: 'Default key', scopes: ['inference'], created_at: '2026-04-09T09:00:00.000Z' },
  }),
  'end_user.deleted': envelopeExample('end_user.deleted', { deleted_at: '2026-04-10T12:00:00.000Z' }),
};

function envelopeExample(type: IntegrationEventType, data: Json): Json {
  return {
    event_id: EXAMPLE_IDS.event,
    event_type: type,
    schema_version: 1,
    occurred_at: '2026-04-08T10:30:00.000Z',
    platform_id: EXAMPLE_IDS.platform,
    end_user_id: EXAMPLE_IDS.endUser,
    data,
  };
}

/** `end_user.api_key_issued` -> `endUserApiKeyIssued`; `envelope.v1` -> `EnvelopeV1`. */
const camel = (text: string) => text.replace(/[._-]+(\w)/g, (_, next: string) => next.toUpperCase());
const pascal = (text: string) => camel(text).replace(/^\w/, (first) => first.toUpperCase());

/** The component name of a contract schema, from the last segment of its `$id`. */
const componentOf = (id: string) => pascal(id.slice(id.lastIndexOf('/') + 1).replace(/\.json$/, ''));

/**
 * The contract's JSON Schemas (draft-07) as AsyncAPI components, unchanged but for what embedding
 * needs: `$ref`s between the files ("envelope.v1.json#/definitions/apiKey") become references
 * inside this document, and `$id` (which would rebase those references) moves to `x-schema-id`.
 */
function contractSchemas(): { components: Record<string, Json>; nameOf: Map<string, string> } {
  const dir = join(projectRoot(), SCHEMAS_DIR);
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Json);
  const nameOf = new Map(files.map((schema) => [String(schema.$id), componentOf(String(schema.$id))]));
  const byFile = new Map(files.map((schema) => [String(schema.$id).slice(String(schema.$id).lastIndexOf('/') + 1), nameOf.get(String(schema.$id))!]));
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => {
        if (key !== '$ref' || typeof item !== 'string' || item.startsWith('#')) return [key, rewrite(item)];
        const [file, pointer = ''] = item.split('#');
        const target = byFile.get(file);
        if (!target) throw new Error(`${SCHEMAS_DIR}: $ref ${item} names no schema file of the contract`);
        return [key, `#/components/schemas/${target}${pointer}`];
      }),
    );
  };
  const components: Record<string, Json> = {};
  for (const schema of files) {
    const { $schema: _draft, $id, ...rest } = schema;
    components[nameOf.get(String($id))!] = { 'x-schema-id': $id, ...(rewrite(rest) as Json) };
  }
  return { components, nameOf };
}

function eventHeaders(type: IntegrationEventType): Json {
  return {
    type: 'object',
    required: [KAFKA_HEADERS.eventType, KAFKA_HEADERS.schemaVersion, KAFKA_HEADERS.eventId, KAFKA_HEADERS.contentType],
    properties: {
      [KAFKA_HEADERS.eventType]: { type: 'string', const: type, description: 'The `event_type` of the payload: route or filter without parsing it.' },
      [KAFKA_HEADERS.schemaVersion]: { type: 'string', const: '1', description: 'The `schema_version` of the payload.' },
      [KAFKA_HEADERS.eventId]: { type: 'string', format: 'uuid', description: 'The `event_id` of the payload; deduplicate by it (delivery is at least once).' },
      [KAFKA_HEADERS.contentType]: { type: 'string', const: 'application/json' },
      [KAFKA_HEADERS.requestId]: { type: 'string', description: 'The X-Request-Id of the API request that caused the event, when there was one.' },
      [KAFKA_HEADERS.replay]: {
        type: 'string',
        const: 'true',
        description: 'Present on events republished by an operator (`cli events republish`): same event ids, already delivered once.',
      },
    },
  };
}

const deadLetterHeaders: Json = {
  type: 'object',
  description: 'The headers of the original message, unchanged (see the end-user events), plus where it came from and why it failed.',
  required: ['dlt.origin.topic', 'dlt.origin.partition', 'dlt.origin.offset', 'dlt.error', 'dlt.attempts'],
  properties: {
    'dlt.origin.topic': { type: 'string', description: 'The topic the message was consumed from.', example: END_USER_EVENTS_TOPIC },
    'dlt.origin.partition': { type: 'string', pattern: '^[0-9]+$', description: 'Its partition (decimal).' },
    'dlt.origin.offset': { type: 'string', pattern: '^[0-9]+$', description: 'Its offset (decimal).' },
    'dlt.error': { type: 'string', maxLength: 2000, description: 'The last error, as `<name>: <message>`, cut at 2000 characters.' },
    'dlt.attempts': { type: 'string', pattern: '^[0-9]+$', description: 'How many times processing was tried.' },
    [KAFKA_HEADERS.eventType]: { type: 'string' },
    [KAFKA_HEADERS.schemaVersion]: { type: 'string' },
    [KAFKA_HEADERS.eventId]: { type: 'string' },
    [KAFKA_HEADERS.contentType]: { type: 'string' },
    [KAFKA_HEADERS.requestId]: { type: 'string' },
    [KAFKA_HEADERS.replay]: { type: 'string' },
  },
};

const endUserKey = (description: string): Json => ({ kafka: { key: { type: 'string', format: 'uuid', description }, bindingVersion: KAFKA_BINDING_VERSION } });

/** The AsyncAPI 3.0 document of the service's Kafka topics; the event payloads are the contract's JSON Schemas. */
export function buildAsyncApiDocument(): Json {
  const { components, nameOf } = contractSchemas();
  const messages: Record<string, Json> = {};
  for (const type of INTEGRATION_EVENT_TYPES) {
    const schema = INTEGRATION_EVENT_SCHEMAS[type] as Json;
    const component = nameOf.get(String(schema.$id));
    if (!component) throw new Error(`no file in ${SCHEMAS_DIR} has the $id ${String(schema.$id)} of ${type}`);
    messages[camel(type)] = {
      name: type,
      title: String(schema.title),
      summary: String(schema.description),
      ...(MESSAGE_DESCRIPTIONS[type] ? { description: MESSAGE_DESCRIPTIONS[type] } : {}),
      contentType: 'application/json',
      headers: eventHeaders(type),
      payload: { $ref: `#/components/schemas/${component}` },
      correlationId: { description: 'The API request that caused the event.', location: `$message.header#/${KAFKA_HEADERS.requestId}` },
      bindings: endUserKey('The end_user_id: all events of one end user share a partition, in order.'),
      examples: [
        {
          name: camel(type),
          headers: { event_type: type, schema_version: '1', event_id: EXAMPLE_IDS.event, 'content-type': 'application/json', request_id: EXAMPLE_IDS.request },
          payload: EVENT_EXAMPLES[type],
        },
      ],
    };
  }
  messages.deadLetter = {
    name: 'dead_letter',
    title: 'A message the worker could not process',
    summary: 'After bounded retries (WORKER_MAX_ATTEMPTS), a message that keeps failing is copied here as it was, with its origin and error.',
    headers: deadLetterHeaders,
    payload: {
      description: 'The original value, byte for byte: normally one of the end-user events, but possibly a value that could not be parsed or validated at all.',
    },
    bindings: endUserKey('The original key (the end_user_id), or empty when the original had none.'),
  };
  const eventRefs = INTEGRATION_EVENT_TYPES.map((type) => ({ $ref: `#/channels/endUserEvents/messages/${camel(type)}` }));
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'End Users events',
      version: projectVersion(),
      description:
        'The public integration events of the End Users service. Delivery is at least once: deduplicate by `event_id`. ' +
        'Events grow only by adding optional fields; a breaking change is a new topic version. They never carry key material. ' +
        `The payload schemas are the JSON Schemas of ${SCHEMAS_DIR} (their \`$id\` in \`x-schema-id\`).`,
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    defaultContentType: 'application/json',
    servers: {
      local: { host: '127.0.0.1:9092', protocol: 'kafka', description: 'The local broker of `npm run kafka:start`; elsewhere the brokers of KAFKA_BROKERS.' },
    },
    channels: {
      endUserEvents: {
        address: END_USER_EVENTS_TOPIC,
        title: 'End-user events',
        description:
          'Every change to an end user, in order per end user (the message key). The topic name is KAFKA_TOPIC. ' +
          `The events carry the end user's personal data (${PERSONAL_FIELDS}) in the clear; \`end_user.deleted\` obliges each subscriber ` +
          `to erase its copies of them. ${RETENTION}`,
        messages: Object.fromEntries(INTEGRATION_EVENT_TYPES.map((type) => [camel(type), { $ref: `#/components/messages/${camel(type)}` }])),
        bindings: { kafka: { topic: END_USER_EVENTS_TOPIC, topicConfiguration, bindingVersion: KAFKA_BINDING_VERSION } },
      },
      endUserEventsDeadLetter: {
        address: DEAD_LETTER_TOPIC,
        title: 'Dead letters of the end-user events',
        description:
          "Messages of end-users.events.v1 that the service's worker gave up on. The topic name is KAFKA_DLT_TOPIC (default `<KAFKA_TOPIC>.dlt`). " +
          `They are copies of the events, personal data included, so the topic has the same retention. ${RETENTION}`,
        messages: { deadLetter: { $ref: '#/components/messages/deadLetter' } },
        bindings: { kafka: { topic: DEAD_LETTER_TOPIC, topicConfiguration, bindingVersion: KAFKA_BINDING_VERSION } },
      },
    },
    operations: {
      publishEndUserEvents: {
        action: 'send',
        channel: { $ref: '#/channels/endUserEvents' },
        summary: "The API's outbox relay publishes each event after its transaction committed, with an idempotent producer (acks=all).",
        messages: eventRefs,
      },
      consumeEndUserEvents: {
        action: 'receive',
        channel: { $ref: '#/channels/endUserEvents' },
        summary: "The service's worker provisions budgets and carries out the delete cascade; downstream services subscribe with groups of their own.",
        messages: eventRefs,
        bindings: {
          kafka: { groupId: { type: 'string', enum: ['end-users-worker'], description: 'KAFKA_CONSUMER_GROUP' }, bindingVersion: KAFKA_BINDING_VERSION },
        },
      },
      publishDeadLetters: {
        action: 'send',
        channel: { $ref: '#/channels/endUserEventsDeadLetter' },
        summary: 'The worker parks a message that keeps failing, so the partition moves on.',
        messages: [{ $ref: '#/channels/endUserEventsDeadLetter/messages/deadLetter' }],
      },
    },
    components: { schemas: components, messages },
  };
}
