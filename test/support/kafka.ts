import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Admin, ConfigResourceTypes, ConfigSource, Consumer, IHeaders, Kafka, logLevel, Partitioners, Producer, RecordMetadata } from 'kafkajs';
import { eventually } from './worker';

/**
 * Test-side Kafka vocabulary: a downstream consumer of our own ("tap"), a raw producer for
 * redeliveries and poison messages, committed-offset probes, and the broker scripts. Always the
 * real broker; never a mock. It uses kafkajs directly, not libs/kafka, on purpose: what the tests
 * read off the wire must not depend on the code under test (ESLint allows kafkajs here).
 */

const ROOT = path.resolve(__dirname, '../..');

export const brokers = () => (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((broker) => broker.trim());
export const testTopic = () => process.env.KAFKA_TOPIC ?? 'end-users.events.v1.test';
export const deadLetterTopic = () => process.env.KAFKA_DLT_TOPIC || `${testTopic()}.dlt`;
export const workerGroup = () => process.env.KAFKA_CONSUMER_GROUP ?? 'end-users-worker-test';

export function testKafka(clientId = 'end-users-tests'): Kafka {
  return new Kafka({
    clientId,
    brokers: brokers(),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 8 },
  });
}

export interface TappedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    decoded[name] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  }
  return decoded;
}

/**
 * A downstream consumer with a group of its own that sees everything produced to `topics` after
 * open() resolved: it seeks to the end offsets captured before it joined, so nothing produced in
 * between is missed. Duplicates of one (partition, offset) from that seek are dropped here; a
 * message produced twice has two offsets and shows up twice.
 */
export class TopicTap {
  readonly messages: TappedMessage[] = [];
  private readonly seen = new Set<string>();
  /** Highest offset read per "topic/partition". */
  private readonly positions = new Map<string, bigint>();
  /** Where the tap started reading, per "topic/partition". */
  private readonly starts = new Map<string, bigint>();

  private constructor(
    private readonly kafka: Kafka,
    private readonly consumer: Consumer,
    readonly groupId: string,
    private readonly topics: string[],
  ) {}

  static async open(topics: string[], label = 'tap'): Promise<TopicTap> {
    const kafka = testKafka(`end-users-tests-${label}`);
    const admin = kafka.admin();
    await admin.connect();
    const ends: Array<{ topic: string; partition: number; offset: string }> = [];
    try {
      for (const topic of topics) {
        for (const { partition, high } of await admin.fetchTopicOffsets(topic)) ends.push({ topic, partition, offset: high });
      }
    } finally {
      await admin.disconnect();
    }
    const groupId = `end-users-tests-${label}-${randomUUID()}`;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50, sessionTimeout: 10_000, heartbeatInterval: 1_000, allowAutoTopicCreation: false });
    const tap = new TopicTap(kafka, consumer, groupId, topics);
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const id = `${topic}/${partition}@${message.offset}`;
        if (tap.seen.has(id)) return;
        tap.seen.add(id);
        const position = `${topic}/${partition}`;
        if ((tap.positions.get(position) ?? -1n) < BigInt(message.offset)) tap.positions.set(position, BigInt(message.offset));
        tap.messages.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? null,
          value: message.value?.toString('utf8') ?? null,
          headers: decodeHeaders(message.headers),
        });
      },
    });
    await withTimeout(joined, 30_000, `tap ${groupId} did not join its group`);
    for (const end of ends) {
      tap.starts.set(`${end.topic}/${end.partition}`, BigInt(end.offset));
      consumer.seek(end);
    }
    return tap;
  }

  withKey(key: string): TappedMessage[] {
    return this.messages.filter((message) => message.key === key).sort(byPosition);
  }

  /** Waits until `count` messages with this key arrived (and gives late duplicates a moment to show). */
  async waitForKey(key: string, count: number, timeoutMs = 20_000): Promise<TappedMessage[]> {
    return eventually(async () => (this.withKey(key).length >= count ? this.withKey(key) : undefined), timeoutMs);
  }

  async waitFor(predicate: (message: TappedMessage) => boolean, count = 1, timeoutMs = 20_000): Promise<TappedMessage[]> {
    return eventually(async () => {
      const found = this.messages.filter(predicate);
      return found.length >= count ? found.sort(byPosition) : undefined;
    }, timeoutMs);
  }

  /**
   * Waits until the tap has read everything the topics held when this was called, so a count
   * taken afterwards is final for what was produced before (a duplicate would be in it).
   */
  async catchUp(timeoutMs = 20_000): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    const wanted: Array<{ position: string; last: bigint }> = [];
    try {
      for (const topic of this.topics) {
        for (const { partition, high } of await admin.fetchTopicOffsets(topic)) {
          const position = `${topic}/${partition}`;
          if (BigInt(high) > (this.starts.get(position) ?? 0n)) wanted.push({ position, last: BigInt(high) - 1n });
        }
      }
    } finally {
      await admin.disconnect();
    }
    await eventually(async () => (wanted.every(({ position, last }) => (this.positions.get(position) ?? -1n) >= last) ? true : undefined), timeoutMs);
  }

  async close(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
    const admin = this.kafka.admin();
    await admin.connect().catch(() => undefined);
    await admin.deleteGroups([this.groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

export function byPosition(a: TappedMessage, b: TappedMessage): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.partition !== b.partition) return a.partition - b.partition;
  return Number(BigInt(a.offset) - BigInt(b.offset));
}

/** A plain producer for what the app would never send itself: redeliveries and poison messages. */
export class RawProducer {
  private constructor(private readonly producer: Producer) {}

  static async open(): Promise<RawProducer> {
    const producer = testKafka('end-users-tests-raw-producer').producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    return new RawProducer(producer);
  }

  /** Sends one message and returns where it landed. */
  async send(
    topic: string,
    message: { key: string | null; value: string | Buffer | null; headers?: Record<string, string> },
  ): Promise<{ partition: number; offset: string }> {
    const [metadata]: RecordMetadata[] = await this.producer.send({ topic, acks: -1, messages: [message] });
    return { partition: metadata.partition, offset: metadata.baseOffset ?? metadata.offset ?? '' };
  }

  close(): Promise<void> {
    return this.producer.disconnect();
  }
}

/** The offset `groupId` committed on `topic`/`partition` (the next one it will read), or -1. */
export async function committedOffset(groupId: string, topic: string, partition: number): Promise<bigint> {
  const admin = testKafka('end-users-tests-offsets').admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const found = entry?.partitions.find((candidate) => candidate.partition === partition);
    return found ? BigInt(found.offset) : -1n;
  } finally {
    await admin.disconnect();
  }
}

/** Resolves once the worker's group committed past `offset` on that partition: the message was handled. */
export async function waitUntilWorkerPassed(position: { partition: number; offset: string }, timeoutMs = 30_000, topic = testTopic()): Promise<void> {
  await eventually(
    async () => ((await committedOffset(workerGroup(), topic, position.partition)) > BigInt(position.offset) ? true : undefined),
    timeoutMs,
    200,
  );
}

function runScript(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // Its own process group, so the broker it starts is not tied to the test process's signals.
    const child = spawn('bash', [path.join(ROOT, script)], { cwd: ROOT, env: process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${script} exited with ${code}:\n${output}`))));
  });
}

/** scripts/kafka/stop.sh: SIGTERM to the broker of this checkout, by its pid file. */
export const stopBroker = () => runScript('scripts/kafka/stop.sh');
/** scripts/kafka/start.sh: starts the broker (idempotent) and re-checks the topics. */
export const startBroker = () => runScript('scripts/kafka/start.sh');

export async function brokerIsUp(): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'end-users-tests-probe',
    brokers: brokers(),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function ensureTopic(topic: string, numPartitions: number): Promise<void> {
  const admin: Admin = testKafka('end-users-tests-admin').admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) {
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions, replicationFactor: 1 }] }).catch((error: Error) => {
        if (!/already exists/i.test(error.message)) throw error;
      });
    }
  } finally {
    await admin.disconnect();
  }
}

/** The settings `topic` has of its own (not inherited from the broker), by name. */
export async function topicOwnSettings(topic: string): Promise<Record<string, string>> {
  const admin = testKafka('end-users-tests-admin').admin();
  await admin.connect();
  try {
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
    const own = described.resources[0].configEntries.filter((entry) => entry.configSource === ConfigSource.TOPIC_CONFIG);
    return Object.fromEntries(own.map((entry) => [entry.configName, entry.configValue]));
  } finally {
    await admin.disconnect();
  }
}

/** Deletes the topics that exist among `topics` (a test's own, never the shared one). */
export async function deleteTopics(topics: string[]): Promise<void> {
  const admin = testKafka('end-users-tests-admin').admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((topic) => existing.has(topic));
    if (present.length > 0) await admin.deleteTopics({ topics: present });
  } finally {
    await admin.disconnect();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}
