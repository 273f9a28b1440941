import { Consumer, EachBatchPayload, IHeaders, KafkaMessage } from 'kafkajs';
import { KafkaClient } from './kafka-connection';

/** One record as a handler sees it: key and headers decoded as UTF-8, the value left as bytes. */
export interface ConsumedMessage {
  topic: string;
  partition: number;
  /** Kafka's int64 offset as a decimal string. */
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** What a handler may do while it works on one message. */
export interface DeliveryControl {
  /** Tells the group coordinator this member is alive: call it between retries of a slow message. */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or the partition moved to another member: return false then. */
  canContinue(): boolean;
}

/**
 * Handles one message. Resolve true once its effect is durable: only then is its offset
 * acknowledged, and committed soon after. Resolve false to leave it unacknowledged and stop this
 * partition's batch; it is delivered again (here or to another member). A rejection does the same,
 * after the consumer's retry backoff. Delivery is therefore at least once: handlers must be idempotent.
 */
export type MessageHandler = (message: ConsumedMessage, control: DeliveryControl) => Promise<boolean>;

export interface ConsumerSettings {
  groupId: string;
  topic: string;
  /** Where a group without a committed offset starts. */
  fromBeginning: boolean;
  /** A member that stops heartbeating loses its partitions after this long. */
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** How long a fetch waits on the broker for new messages. */
  maxWaitTimeMs: number;
  /** Partitions handled at once; the messages of one partition are handled one at a time, in order. */
  partitionsConsumedConcurrently: number;
  /** How often acknowledged offsets are committed while a batch runs (also at each batch's end and on disconnect). */
  autoCommitIntervalMs: number;
  /** The consumer failed; with `restarting` false it gave up for good and the process should exit non-zero. */
  onCrash?: (error: Error, restarting: boolean) => void;
}

/**
 * A consumer group member on one topic, committing offsets only for messages its handler
 * acknowledged. Broker failures are retried without end (backoff 300 ms to 5 s), so a consumer
 * waits out a broker outage instead of crashing.
 */
export class KafkaConsumer {
  private readonly consumer: Consumer;

  constructor(
    client: KafkaClient,
    private readonly settings: ConsumerSettings,
  ) {
    this.consumer = client.kafkajs.consumer({
      groupId: settings.groupId,
      sessionTimeout: settings.sessionTimeoutMs,
      heartbeatInterval: settings.heartbeatIntervalMs,
      maxWaitTimeInMs: settings.maxWaitTimeMs,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: Number.MAX_SAFE_INTEGER },
    });
    const { onCrash } = settings;
    if (onCrash) this.consumer.on(this.consumer.events.CRASH, ({ payload }) => onCrash(payload.error, payload.restart));
  }

  /** Connects and subscribes; rejects when the broker cannot be reached (calling it again is safe). */
  async connect(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.settings.topic, fromBeginning: this.settings.fromBeginning });
  }

  /** Starts delivering messages to `handler`; resolves once consumption has started. */
  async run(handler: MessageHandler): Promise<void> {
    await this.consumer.run({
      eachBatchAutoResolve: false,
      autoCommitInterval: this.settings.autoCommitIntervalMs,
      partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently,
      eachBatch: (payload) => handleBatch(payload, handler),
    });
  }

  /** Stops fetching, lets the messages in flight finish, commits what was acknowledged and leaves the group. */
  disconnect(): Promise<void> {
    return this.consumer.disconnect();
  }
}

async function handleBatch(
  { batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }: EachBatchPayload,
  handler: MessageHandler,
): Promise<void> {
  const control: DeliveryControl = { heartbeat, canContinue: () => isRunning() && !isStale() };
  for (const message of batch.messages) {
    if (!control.canContinue()) return;
    if (!(await handler(consumed(batch.topic, batch.partition, message), control))) return;
    resolveOffset(message.offset);
    await heartbeat();
  }
  await commitOffsetsIfNecessary();
}

function consumed(topic: string, partition: number, message: KafkaMessage): ConsumedMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? null,
    value: message.value,
    headers: decodeHeaders(message.headers),
  };
}

/** Header values as UTF-8 strings; a header sent several times becomes one comma-separated value. */
function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) decoded[name] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  }
  return decoded;
}
