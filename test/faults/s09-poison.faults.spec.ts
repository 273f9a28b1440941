import { randomUUID } from 'node:crypto';
import { sleep } from './harness/env';
import { countOf, expectClean, waitFor } from './harness/expect';
import { partitionFor, RawProducer, readTopic } from './harness/kafka';
import { Scenario, TOPIC_PARTITIONS } from './harness/scenario';

jest.setTimeout(200_000);

/** WORKER_MAX_ATTEMPTS's default: a message that keeps failing is dead-lettered after this many attempts. */
const MAX_ATTEMPTS = 5;
/** How long a partition may stand still behind a poison message. */
const FLOW_BOUND_MS = 15_000;

interface Poison {
  name: string;
  key: string;
  value: string;
  headers: Record<string, string>;
  error: RegExp;
  attempts: number;
}

/**
 * Scenario 9. Poison messages are produced onto the live topic, each keyed like a real user's
 * events so it sits in a partition with valid traffic: malformed JSON, an unknown event type, a
 * created event of an unknown platform (all three permanent: dead-lettered on the first attempt),
 * and a created event whose budget the database refuses (numeric overflow: not a permanent error
 * by type, so retried, and dead-lettered after WORKER_MAX_ATTEMPTS). Each must reach the
 * dead-letter topic byte for byte with its origin (topic, partition, offset) and its error, and a
 * valid event produced after it on the same partition must still be processed promptly.
 */
describe('S9 poison messages', () => {
  let s: Scenario;
  let producer: RawProducer | undefined;
  beforeAll(async () => {
    s = await Scenario.open('s09-poison', 'poison messages: malformed JSON, unknown type, unknown platform (and a refused budget)');
  }, 90_000);
  afterAll(async () => {
    await producer?.close();
    await s?.close();
  }, 60_000);

  it('dead-letters each poison message with its origin and error while its partition keeps flowing', () =>
    s.run(async () => {
      const api = await s.startApi();
      await s.startWorker();
      const load = s.load({ port: api.port, concurrency: 3, deleteRatio: 0 }).start();
      const direct = s.load({ port: api.port, concurrency: 0, label: 's09-direct' });
      await sleep(4_000);
      const users = load.ops.filter((op) => op.kind === 'create' && op.outcome === 'acked').map((op) => op.endUserId!);
      producer = await RawProducer.open(s.brokers);

      const poisons: Poison[] = [
        malformedJson(users[0]),
        unknownType(users[1], s.platform.id),
        unknownPlatform(users[2]),
        refusedBudget(users[3], s.platform.id),
      ];
      const results: Array<{ name: string; partition: number; offset: string; flowedAfterMs: number }> = [];
      for (const poison of poisons) {
        const [position] = await producer.send(s.topic, [{ key: poison.key, value: poison.value, headers: poison.headers }]);
        const producedAt = Date.now();
        s.fault(`poison produced: ${poison.name}`, { partition: position.partition, offset: position.offset.toString() });
        // A valid created event behind it on the same partition: keep creating users until one lands there.
        let behind: string | undefined;
        for (let tries = 0; !behind && tries < 200; tries++) {
          const op = await direct.create(`s09-behind-${poison.name}-${tries}-${randomUUID().slice(0, 8)}`);
          if (op.endUserId && partitionFor(op.endUserId, TOPIC_PARTITIONS) === position.partition) behind = op.endUserId;
        }
        expect(behind).toBeDefined();
        await waitFor(
          `the partition flows past ${poison.name}`,
          async () =>
            (await countOf(s, 'SELECT count(*)::int AS count FROM processed_events p JOIN events e USING (event_id) WHERE e.stream_id = $1', [
              `end_user-${behind}`,
            ])) > 0
              ? true
              : undefined,
          FLOW_BOUND_MS,
          50,
        );
        results.push({ name: poison.name, partition: position.partition, offset: position.offset.toString(), flowedAfterMs: Date.now() - producedAt });
      }
      await sleep(2_000);
      await load.stop();

      const report = await s.check({ foreignMessages: poisons.length, deadLetters: poisons.length });
      const dead = await readTopic(s.brokers, s.dlt);
      const found = poisons.map((poison, index) => {
        const origin = results[index];
        const letter = dead.find(
          (message) => message.headers['dlt.origin.partition'] === String(origin.partition) && message.headers['dlt.origin.offset'] === origin.offset,
        );
        return {
          name: poison.name,
          onDeadLetterTopic: !!letter,
          originTopic: letter?.headers['dlt.origin.topic'] === s.topic,
          sameKeyAndValue: letter?.key === poison.key && letter?.value === poison.value,
          originalHeadersKept: Object.entries(poison.headers).every(([name, value]) => letter?.headers[name] === value),
          errorNamed: poison.error.test(letter?.headers['dlt.error'] ?? ''),
          attempts: Number(letter?.headers['dlt.attempts']),
        };
      });
      s.note(
        'poison',
        results.map((result, index) => ({
          ...result,
          dlt: found[index],
          error: dead.find((m) => m.headers['dlt.origin.offset'] === result.offset && m.headers['dlt.origin.partition'] === String(result.partition))?.headers[
            'dlt.error'
          ],
        })),
      );
      const inboxOfPoison = await countOf(s, 'SELECT count(*)::int AS count FROM processed_events WHERE event_id = ANY($1)', [
        poisons.map((poison) => poison.headers.event_id),
      ]);

      expect(found).toEqual(
        poisons.map((poison) => ({
          name: poison.name,
          onDeadLetterTopic: true,
          originTopic: true,
          sameKeyAndValue: true,
          originalHeadersKept: true,
          errorNamed: true,
          attempts: poison.attempts,
        })),
      );
      expect(results.every((result) => result.flowedAfterMs < FLOW_BOUND_MS)).toBe(true);
      expect(inboxOfPoison).toBe(0);
      expectClean(s, report);
    }));
});

function headers(eventType: string, eventId = randomUUID()): Record<string, string> {
  return { event_type: eventType, schema_version: '1', event_id: eventId, 'content-type': 'application/json', request_id: `faults-poison-${eventId}` };
}

function created(platformId: string, endUserId: string, eventId: string, budget: { max_usd: number } | null) {
  const now = new Date().toISOString();
  const monthStart = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1)).toISOString();
  return {
    event_id: eventId,
    event_type: 'end_user.created',
    schema_version: 1,
    occurred_at: now,
    platform_id: platformId,
    end_user_id: endUserId,
    data: {
      external_id: `poison-${endUserId}`,
      display_name: null,
      metadata: {},
      is_active: true,
      created_at: now,
      api_key: { id: randomUUID(), key_prefix: 'sk-eu_ab', name: 'Default key', scopes: ['inference'], created_at: now },
      budget: budget && { id: randomUUID(), max_usd: budget.max_usd, period: 'monthly', period_start: monthStart },
    },
  };
}

function malformedJson(key: string): Poison {
  const h = headers('end_user.created');
  return {
    name: 'malformed JSON',
    key,
    value: `{"event_id": "${h.event_id}", "event_type": "end_user.created", "data": {`,
    headers: h,
    error: /not valid JSON/,
    attempts: 1,
  };
}

function unknownType(key: string, platformId: string): Poison {
  const h = headers('end_user.renamed');
  const value = JSON.stringify({
    event_id: h.event_id,
    event_type: 'end_user.renamed',
    schema_version: 1,
    occurred_at: new Date().toISOString(),
    platform_id: platformId,
    end_user_id: key,
    data: {},
  });
  return { name: 'unknown event type', key, value, headers: h, error: /unknown event_type "end_user\.renamed"/, attempts: 1 };
}

function unknownPlatform(key: string): Poison {
  const h = headers('end_user.created');
  const platformId = randomUUID();
  return {
    name: 'unknown platform',
    key,
    value: JSON.stringify(created(platformId, key, h.event_id, { max_usd: 5 })),
    headers: h,
    error: new RegExp(`platform ${platformId} does not exist`),
    attempts: 1,
  };
}

function refusedBudget(key: string, platformId: string): Poison {
  const h = headers('end_user.created');
  // Valid by the contract (no maximum), too large for numeric(12,6): the database refuses it every time.
  return {
    name: 'budget the database refuses',
    key,
    value: JSON.stringify(created(platformId, randomUUID(), h.event_id, { max_usd: 10_000_000 })),
    headers: h,
    error: /numeric field overflow/,
    attempts: MAX_ATTEMPTS,
  };
}
