import { createKafka, KafkaPublisher, MessagePublisher, OutgoingMessage } from '@app/kafka';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ensureTopic, testTopic, TopicTap } from '../../../test/support/kafka';
import { eventually } from '../../../test/support/worker';
import { OutboxRelay, RelayLogger } from './outbox-relay';
import { testDataKeys } from '../../../test/support/data-keys';

jest.setTimeout(60_000);

/** A topic of these tests' own, so nothing the worker consumes ever sees their rows. */
const RELAY_TOPIC = `${testTopic()}.relay-int`;
const DATABASE_URL = process.env.DATABASE_URL!;

/** Stands in for a broken broker (the one case that may not use the real KafkaPublisher). */
class UnreachableBroker implements MessagePublisher {
  calls = 0;
  async publish(_topic: string, _messages: OutgoingMessage[]): Promise<void> {
    this.calls++;
    throw new Error('broker unreachable (test double)');
  }
  async close(): Promise<void> {}
}

/**
 * The real broker behind a turnstile: each publish waits until the test lets that many calls
 * through, and a call the test picks fails instead, without reaching the broker.
 */
class SteppedBroker implements MessagePublisher {
  readonly calls: OutgoingMessage[][] = [];
  private allowed = 0;

  constructor(
    private readonly broker: MessagePublisher,
    private readonly fails: (messages: OutgoingMessage[]) => boolean = () => false,
  ) {}

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    const call = this.calls.push(messages);
    while (call > this.allowed) await new Promise((resolve) => setTimeout(resolve, 5));
    if (this.fails(messages)) throw new Error('broker refused the batch (test double)');
    await this.broker.publish(topic, messages);
  }

  allow(calls = Infinity): void {
    this.allowed += calls;
  }

  /** The values of `key` in each call, in call order. */
  valuesOf(key: string): string[][] {
    return this.calls.map((messages) => messages.filter((message) => message.key === key).map((message) => message.value));
  }

  async close(): Promise<void> {}
}

class CollectingLogger implements RelayLogger {
  readonly lines: string[] = [];
  log(message: string): void {
    this.lines.push(message);
  }
  warn(message: string): void {
    this.lines.push(`WARN ${message}`);
  }
}

describe('OutboxRelay against the real PostgreSQL and Kafka', () => {
  let db: Client;
  let tap: TopicTap;
  const relays: OutboxRelay[] = [];
  const publishers: MessagePublisher[] = [];

  beforeAll(async () => {
    await ensureTopic(RELAY_TOPIC, 3);
    db = new Client({ connectionString: DATABASE_URL, application_name: 'outbox-relay-int-spec' });
    await db.connect();
    tap = await TopicTap.open([RELAY_TOPIC], 'relay-int');
  });
  afterAll(async () => {
    await tap?.close();
    await db?.end();
  });
  beforeEach(async () => {
    // The relay lock is one per database: another relay on the test database (an API left running) would lead instead of ours.
    // Relays of other databases (the one `npm run up` starts) hold a lock of their own and do not matter.
    await eventually(async () => {
      const [{ count }] = (
        await db.query(`SELECT count(*)::int AS count FROM pg_stat_activity WHERE application_name = 'end-users-outbox-relay' AND datname = current_database()`)
      ).rows;
      return count === 0 ? true : undefined;
    }, 20_000).catch(() => {
      throw new Error('another outbox relay is connected to the test database; stop it (an API process?) and run again');
    });
  });
  afterEach(async () => {
    for (const relay of relays.splice(0)) await relay.stop();
    for (const publisher of publishers.splice(0)) await publisher.close().catch(() => undefined);
  });

  function relay(publisher: MessagePublisher = realPublisher(), logger: RelayLogger = new CollectingLogger(), batchSize = 10): OutboxRelay {
    const created = new OutboxRelay(
      publisher,
      testDataKeys(),
      { databaseUrl: DATABASE_URL, batchSize, pollIntervalMs: 20, maxBackoffMs: 200, retentionMs: 24 * 60 * 60 * 1000 },
      logger,
    );
    relays.push(created);
    return created;
  }

  function realPublisher(): KafkaPublisher {
    const publisher = new KafkaPublisher(createKafka(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092', `outbox-relay-int-${randomUUID().slice(0, 8)}`));
    publishers.push(publisher);
    return publisher;
  }

  /** Writes one outbox row on `sql` (in whatever transaction it is in) and returns its id. */
  async function enqueue(sql: Client, key: string, payload: string, headers: Record<string, string> = {}): Promise<bigint> {
    const { rows } = await sql.query('INSERT INTO outbox (event_id, topic, message_key, payload, headers) VALUES ($1, $2, $3, $4, $5) RETURNING id', [
      randomUUID(),
      RELAY_TOPIC,
      key,
      payload,
      JSON.stringify(headers),
    ]);
    return BigInt(rows[0].id);
  }

  async function rowState(id: bigint): Promise<{ published: boolean; attempts: number; last_error: string | null }> {
    const { rows } = await db.query('SELECT published_at IS NOT NULL AS published, attempts, last_error FROM outbox WHERE id = $1', [String(id)]);
    return rows[0];
  }

  const allPublished = (ids: bigint[]) =>
    eventually(async () => {
      const { rows } = await db.query('SELECT count(*)::int AS count FROM outbox WHERE id = ANY($1::bigint[]) AND published_at IS NULL', [ids.map(String)]);
      return rows[0].count === 0 ? true : undefined;
    }, 30_000);

  const payloadsOf = (key: string) => tap.withKey(key).map((message) => message.value);

  /** Writes `count` rows for `key` in one transaction, valued `${prefix}-0`... in id order; returns their ids. */
  async function enqueueMany(key: string, prefix: string, count: number): Promise<bigint[]> {
    await db.query('BEGIN');
    const ids: bigint[] = [];
    for (let index = 0; index < count; index++) ids.push(await enqueue(db, key, `${prefix}-${index}`));
    await db.query('COMMIT');
    return ids;
  }

  async function publishedOf(ids: bigint[]): Promise<boolean[]> {
    const { rows } = await db.query('SELECT published_at IS NOT NULL AS published FROM outbox WHERE id = ANY($1::bigint[]) ORDER BY id', [ids.map(String)]);
    return rows.map((row) => row.published);
  }

  /** A connection of its own with a transaction open: what it writes commits when the test says. */
  async function openTransaction(): Promise<Client> {
    const client = new Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query('BEGIN');
    return client;
  }

  /** Lets `calls` publishes through and waits until the next one is held at the broker. */
  async function letThrough(broker: SteppedBroker, calls: number): Promise<void> {
    broker.allow(calls);
    await eventually(async () => (broker.calls.length > calls ? true : undefined), 15_000);
  }

  const numbered = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => `${prefix}-${index}`);

  it('publishes a row whose transaction commits after later rows were already published: nothing is skipped', async () => {
    relay().start();
    const heldKey = randomUUID();
    const laterKey = randomUUID();

    const held = new Client({ connectionString: DATABASE_URL });
    await held.connect();
    try {
      await held.query('BEGIN');
      const heldId = await enqueue(held, heldKey, 'held', { event_type: 'test.held' });
      // 25 rows with higher ids commit while the held one is still open, across several batches.
      const laterIds: bigint[] = [];
      for (let index = 0; index < 25; index++) laterIds.push(await enqueue(db, laterKey, `later-${index}`));
      expect(laterIds.every((id) => id > heldId)).toBe(true);
      await allPublished(laterIds);
      await tap.waitForKey(laterKey, 25);
      expect(payloadsOf(heldKey)).toEqual([]);

      await held.query('COMMIT');
      await allPublished([heldId]);
      const [message] = await tap.waitForKey(heldKey, 1);
      expect(message.value).toBe('held');
      expect(message.headers.event_type).toBe('test.held');
    } finally {
      await held.end();
    }
    await tap.catchUp();
    expect(payloadsOf(heldKey)).toEqual(['held']);
    expect(payloadsOf(laterKey)).toEqual(Array.from({ length: 25 }, (_, index) => `later-${index}`));
  });

  it('lets only one of two relays lead, keeps a key in order, and hands over when the leader stops', async () => {
    const first = relay();
    const second = relay();
    first.start();
    second.start();

    let bothLed = 0;
    let samples = 0;
    const sampler = setInterval(() => {
      samples++;
      if (first.stats.leader && second.stats.leader) bothLed++;
    }, 5);
    try {
      const leader = await eventually(async () => (first.stats.leader !== second.stats.leader ? (first.stats.leader ? first : second) : undefined), 10_000);
      const standby = leader === first ? second : first;

      const keyA = randomUUID();
      const keyB = randomUUID();
      const ids: bigint[] = [];
      for (let index = 0; index < 20; index++) {
        await db.query('BEGIN');
        ids.push(await enqueue(db, keyA, `a-${index}`));
        ids.push(await enqueue(db, keyB, `b-${index}`));
        await db.query('COMMIT');
      }
      await allPublished(ids);
      await tap.waitForKey(keyA, 20);
      await tap.waitForKey(keyB, 20);
      expect(standby.stats.published).toBe(0);
      expect(leader.stats.leader).toBe(true);
      expect(standby.stats.leader).toBe(false);

      // Hand-over: the standby takes the lock once the leader lets go, and carries on in order.
      await leader.stop();
      await eventually(async () => (standby.stats.leader ? true : undefined), 10_000);
      const more: bigint[] = [];
      for (let index = 20; index < 25; index++) more.push(await enqueue(db, keyA, `a-${index}`));
      await allPublished(more);
      await tap.waitForKey(keyA, 25);
      expect(standby.stats.published).toBeGreaterThanOrEqual(5);

      await tap.catchUp();
      expect(payloadsOf(keyA)).toEqual(Array.from({ length: 25 }, (_, index) => `a-${index}`));
      expect(payloadsOf(keyB)).toEqual(Array.from({ length: 20 }, (_, index) => `b-${index}`));
    } finally {
      clearInterval(sampler);
    }
    expect(samples).toBeGreaterThan(10);
    expect(bothLed).toBe(0);
  });

  it('marks a row published only once the broker took it: a failing publish counts an attempt and records the error', async () => {
    const broken = new UnreachableBroker();
    const logger = new CollectingLogger();
    const failing = relay(broken, logger);
    failing.start();
    const key = randomUUID();
    const id = await enqueue(db, key, 'must-not-be-lost');

    const state = await eventually(async () => {
      const current = await rowState(id);
      return current.attempts >= 2 ? current : undefined;
    }, 15_000);
    expect(state.published).toBe(false);
    expect(state.last_error).toMatch(/broker unreachable \(test double\)/);
    expect(broken.calls).toBeGreaterThanOrEqual(2);
    expect(failing.stats.published).toBe(0);
    expect(failing.stats.failedAttempts).toBeGreaterThanOrEqual(2);
    // A broker failure does not cost the relay its leadership.
    expect(failing.stats.leader).toBe(true);
    expect(logger.lines.some((line) => line.startsWith('WARN') && line.includes('broker unreachable'))).toBe(true);

    await failing.stop();
    expect((await rowState(id)).published).toBe(false);
    expect(payloadsOf(key)).toEqual([]);

    // With a working broker the same row goes out, once.
    relay().start();
    await allPublished([id]);
    await tap.waitForKey(key, 1);
    await tap.catchUp();
    expect(payloadsOf(key)).toEqual(['must-not-be-lost']);
  });

  it('publishes rows written by another process (no in-process signal) within its poll interval, keyed as written', async () => {
    relay().start();
    const keys = Array.from({ length: 6 }, () => randomUUID());
    const ids: bigint[] = [];
    for (const key of keys) ids.push(await enqueue(db, key, `for-${key}`, { event_type: 'test.polled', schema_version: '1' }));
    await allPublished(ids);
    for (const key of keys) {
      const [message] = await tap.waitForKey(key, 1);
      expect(message).toMatchObject({ key, value: `for-${key}`, headers: { event_type: 'test.polled', schema_version: '1' } });
    }
  });

  it('marks a batch while the next one is with the broker, and sends the next only after the previous was acknowledged', async () => {
    const broker = new SteppedBroker(realPublisher());
    relay(broker).start();
    const key = randomUUID();
    const ids = await enqueueMany(key, 'p', 35);
    const idOf = (value: string) => ids[Number(value.slice(2))];
    try {
      broker.allow(1);
      // A second call while the first was let through: the first was acknowledged, the second is held.
      await eventually(async () => (broker.calls.length >= 2 ? true : undefined), 15_000);
      const [first, second] = broker.valuesOf(key);
      expect(first.length).toBeGreaterThan(0);
      await eventually(async () => ((await publishedOf(first.map(idOf))).every(Boolean) ? true : undefined), 15_000);
      expect(await publishedOf(second.map(idOf))).toEqual(second.map(() => false));
      const rest = ids.filter((id) => !first.map(idOf).includes(id));
      expect(await publishedOf(rest)).toEqual(rest.map(() => false));
      expect(broker.calls).toHaveLength(2);
    } finally {
      broker.allow();
    }
    await allPublished(ids);
    await tap.waitForKey(key, 35);
    await tap.catchUp();
    expect(broker.valuesOf(key).flat()).toEqual(numbered('p', 35));
    expect(payloadsOf(key)).toEqual(numbered('p', 35));
  });

  it('marks nothing of a batch the broker refuses mid-drain, nor of the batch read after it, and retries from it in order', async () => {
    let refusing = true;
    const key = randomUUID();
    const broker = new SteppedBroker(realPublisher(), (messages) => refusing && messages.some((message) => message.key === key && message.value === 'p-20'));
    broker.allow();
    relay(broker).start();
    const ids = await enqueueMany(key, 'p', 50);

    const refusedRow = ids[20];
    await eventually(async () => ((await rowState(refusedRow)).attempts >= 2 ? true : undefined), 15_000);
    const sent = broker.valuesOf(key);
    const firstRefused = sent.findIndex((values) => values.includes('p-20'));
    const refused = sent[firstRefused];
    // Everything before the refused batch went out and was marked; from it on, nothing was marked.
    const before = sent.slice(0, firstRefused).flat();
    expect(before).toEqual(numbered('p', before.length));
    expect(refused[0]).toBe(`p-${before.length}`);
    expect(await publishedOf(ids.slice(0, before.length))).toEqual(ids.slice(0, before.length).map(() => true));
    expect(await publishedOf(ids.slice(before.length))).toEqual(ids.slice(before.length).map(() => false));
    // Every later call retried the same batch: nothing after it was sent while it was refused.
    expect(sent.slice(firstRefused).every((values) => values[0] === refused[0])).toBe(true);
    const afterRefused = ids.slice(before.length + refused.length);
    expect(afterRefused.length).toBeGreaterThan(0);
    expect(
      (await db.query('SELECT count(*)::int AS count FROM outbox WHERE id = ANY($1::bigint[]) AND attempts > 0', [afterRefused.map(String)])).rows[0].count,
    ).toBe(0);
    expect((await rowState(refusedRow)).last_error).toMatch(/broker refused the batch/);

    refusing = false;
    await allPublished(ids);
    await tap.waitForKey(key, 50);
    await tap.catchUp();
    expect(payloadsOf(key)).toEqual(numbered('p', 50));
  });

  it('publishes a row that commits late with a lower id during a long backlog before the backlog is drained', async () => {
    const broker = new SteppedBroker(realPublisher());
    relay(broker).start();
    const heldKey = randomUUID();
    const laterKey = randomUUID();
    const held = await openTransaction();
    try {
      const heldId = await enqueue(held, heldKey, 'held');
      // 40 full batches of rows with higher ids, committed while the held row is still open.
      const laterIds = await enqueueMany(laterKey, 'later', 400);
      await letThrough(broker, 3);
      await held.query('COMMIT');
      broker.allow();
      await allPublished([heldId, ...laterIds]);
    } finally {
      broker.allow();
      await held.end();
    }
    const heldCall = broker.valuesOf(heldKey).findIndex((values) => values.includes('held'));
    const lastLaterCall = broker.valuesOf(laterKey).findIndex((values) => values.includes('later-399'));
    expect(heldCall).toBeGreaterThanOrEqual(3);
    expect(heldCall).toBeLessThan(lastLaterCall - 5);
    await tap.waitForKey(laterKey, 400);
    await tap.catchUp();
    expect(payloadsOf(heldKey)).toEqual(['held']);
    expect(payloadsOf(laterKey)).toEqual(numbered('later', 400));
  });

  it("never sends a key's later row before its earlier one that committed late with a lower id, mid-drain", async () => {
    const broker = new SteppedBroker(realPublisher());
    relay(broker).start();
    const key = randomUUID();
    const backlogKey = randomUUID();
    const [first, second] = await Promise.all([openTransaction(), openTransaction()]);
    try {
      // Ids: the key's first row lowest, its second one among the backlog (about the 6th batch of
      // 10), both held open while the relay works through the rows around them.
      await enqueue(first, key, 'first');
      const before = await enqueueMany(backlogKey, 'before', 55);
      await enqueue(second, key, 'second');
      const after = await enqueueMany(backlogKey, 'after', 100);
      await letThrough(broker, 3);
      // In the key's order, as a user's events commit: the first, then the second.
      await first.query('COMMIT');
      await second.query('COMMIT');
      broker.allow();
      await allPublished([...before, ...after]);
    } finally {
      broker.allow();
      await Promise.all([first.end(), second.end()]);
    }
    await tap.waitForKey(key, 2);
    expect(broker.valuesOf(key).flat()).toEqual(['first', 'second']);
    expect(payloadsOf(key)).toEqual(['first', 'second']);
  });
});
