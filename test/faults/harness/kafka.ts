import { randomUUID } from 'node:crypto';
import { Admin, Consumer, IHeaders, Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { sleep } from './env';

/**
 * The suite's own Kafka clients, always given their brokers explicitly (never the shared broker).
 * kafkajs directly, not libs/kafka: the checks must not depend on the code under test.
 */
export function kafkaClient(brokers: string, clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: 15_000,
    retry: { initialRetryTime: 200, maxRetryTime: 2_000, retries: 10 },
  });
}

export interface TopicMessage {
  partition: number;
  offset: bigint;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) decoded[name] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  }
  return decoded;
}

export async function withAdmin<T>(brokers: string, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafkaClient(brokers, 'faults-admin').admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function createTopics(brokers: string, topics: string[], partitions: number): Promise<void> {
  await withAdmin(brokers, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      timeout: 30_000,
      topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
    });
  });
}

/** High watermark (next offset) per partition. */
export async function highWatermarks(brokers: string, topic: string): Promise<Map<number, bigint>> {
  return withAdmin(brokers, async (admin) => new Map((await admin.fetchTopicOffsets(topic)).map((entry) => [entry.partition, BigInt(entry.high)])));
}

/** How many messages of the topic the group has not committed yet, per partition and in total. */
export async function groupLag(brokers: string, groupId: string, topic: string): Promise<{ total: number; byPartition: Record<number, number> }> {
  return withAdmin(brokers, async (admin) => {
    const [latest, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const byPartition: Record<number, number> = {};
    let total = 0;
    for (const partition of latest) {
      const done = committed?.partitions.find((candidate) => candidate.partition === partition.partition);
      const committedOffset = done && Number(done.offset) >= 0 ? Number(done.offset) : Number(partition.low);
      const lag = Math.max(0, Number(partition.high) - committedOffset);
      byPartition[partition.partition] = lag;
      total += lag;
    }
    return { total, byPartition };
  });
}

export async function groupMembers(brokers: string, groupId: string): Promise<{ state: string; members: Array<{ clientHost: string; memberId: string }> }> {
  return withAdmin(brokers, async (admin) => {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    return {
      state: group?.state ?? 'Unknown',
      members: (group?.members ?? []).map((member) => ({ clientHost: member.clientHost, memberId: member.memberId })),
    };
  });
}

/** Every message of `topic` from the beginning up to the high watermarks taken when called. */
export async function readTopic(brokers: string, topic: string, timeoutMs = 60_000): Promise<TopicMessage[]> {
  const highs = await highWatermarks(brokers, topic);
  const wanted = [...highs.entries()].filter(([, high]) => high > 0n);
  if (wanted.length === 0) return [];
  const kafka = kafkaClient(brokers, 'faults-reader');
  const consumer = kafka.consumer({
    groupId: `faults-reader-${randomUUID()}`,
    maxWaitTimeInMs: 100,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    allowAutoTopicCreation: false,
  });
  const messages: TopicMessage[] = [];
  const reached = new Map<number, bigint>();
  const seen = new Set<string>();
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          const id = `${batch.partition}@${offset}`;
          if (seen.has(id) || offset >= (highs.get(batch.partition) ?? 0n)) continue;
          seen.add(id);
          messages.push({
            partition: batch.partition,
            offset,
            key: message.key?.toString('utf8') ?? null,
            value: message.value?.toString('utf8') ?? null,
            headers: decodeHeaders(message.headers),
          });
          reached.set(batch.partition, offset + 1n);
        }
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (!wanted.every(([partition, high]) => (reached.get(partition) ?? 0n) >= high)) {
      if (Date.now() > deadline) throw new Error(`reading ${topic}: not all partitions read within ${timeoutMs} ms`);
      await sleep(100);
    }
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return messages.sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset));
}

/**
 * A live downstream consumer of the suite's own: sees what is produced to `topic` after open()
 * resolved, so a scenario can tell the moment the broker acknowledged a message.
 */
export class LiveTap {
  readonly eventIds = new Map<string, number>();
  private constructor(private readonly consumer: Consumer) {}

  static async open(brokers: string, topic: string): Promise<LiveTap> {
    const highs = await highWatermarks(brokers, topic);
    const consumer = kafkaClient(brokers, 'faults-live-tap').consumer({
      groupId: `faults-tap-${randomUUID()}`,
      maxWaitTimeInMs: 20,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      allowAutoTopicCreation: false,
    });
    const tap = new LiveTap(consumer);
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        const eventId = message.headers?.event_id?.toString() ?? null;
        if (eventId) tap.eventIds.set(eventId, (tap.eventIds.get(eventId) ?? 0) + 1);
      },
    });
    await joined;
    for (const [partition, high] of highs) consumer.seek({ topic, partition, offset: high.toString() });
    return tap;
  }

  async close(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
  }
}

/** A plain producer for what the app never sends: copies of messages and poison. */
export class RawProducer {
  private constructor(private readonly producer: Producer) {}

  static async open(brokers: string): Promise<RawProducer> {
    const producer = kafkaClient(brokers, 'faults-raw-producer').producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    return new RawProducer(producer);
  }

  async send(
    topic: string,
    messages: Array<{ key: string | null; value: string | null; headers?: Record<string, string> }>,
  ): Promise<Array<{ partition: number; offset: bigint }>> {
    const results = await this.producer.send({ topic, acks: -1, messages });
    // kafkajs reports the base offset per partition; with one message per call it is that message's offset.
    return results.map((result) => ({ partition: result.partition, offset: BigInt(result.baseOffset ?? result.offset ?? '-1') }));
  }

  close(): Promise<void> {
    return this.producer.disconnect();
  }
}

/** The partition kafkajs's default (Java-compatible murmur2) partitioner picks for a key. */
export function partitionFor(key: string, partitions: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    partitionErrorCode: 0,
    replicas: [1],
    isr: [1],
  }));
  return partitioner({ topic: 'any', partitionMetadata, message: { key, value: null } });
}
