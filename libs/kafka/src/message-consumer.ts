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
  /** The consumer failed and is being restarted (it never gives up until disconnected). */
  onCrash?: (error: Error) => void;
}

const RESTART_BACKOFF_MS = { first: 300, max: 5_000 };

/**
 * A consumer group member on one topic, committing offsets only for messages its handler
 * acknowledged. Broker failures are retried without end (backoff 300 ms to 5 s), so a consumer
 * waits out a broker outage instead of crashing. kafkajs itself gives up on a consumer after an
 * error it deems fatal (a member fenced at the wrong moment, a TypeError from a handler): it
 * leaves the group and stays stopped in a live process. This consumer then starts a fresh one,
 * with backoff, until it is disconnected.
 */
export class KafkaConsumer {
  private consumer: Consumer;
  private handler: MessageHandler | null = null;
  private disconnecting = false;
  private restarting: Promise<void> | null = null;

  constructor(
    private readonly client: KafkaClient,
    private readonly settings: ConsumerSettings,
  ) {
    this.consumer = this.create();
  }

  /** Connects and subscribes; rejects when the broker cannot be reached (calling it again is safe). */
  async connect(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.settings.topic, fromBeginning: this.settings.fromBeginning });
  }

  /** Starts delivering messages to `handler`; resolves once consumption has started. */
  async run(handler: MessageHandler): Promise<void> {
    this.handler = handler;
    await this.consumer.run({
      eachBatchAutoResolve: false,
      autoCommitInterval: this.settings.autoCommitIntervalMs,
      partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently,
      eachBatch: (payload) => handleBatch(payload, handler),
    });
  }

  /** Stops fetching, lets the messages in flight finish, commits what was acknowledged and leaves the group. */
  async disconnect(): Promise<void> {
    this.disconnecting = true;
    await this.restarting;
    await this.consumer.disconnect();
  }

  private create(): Consumer {
    const consumer = this.client.kafkajs.consumer({
      groupId: this.settings.groupId,
      sessionTimeout: this.settings.sessionTimeoutMs,
      heartbeatInterval: this.settings.heartbeatIntervalMs,
      maxWaitTimeInMs: this.settings.maxWaitTimeMs,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: Number.MAX_SAFE_INTEGER },
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.settings.onCrash?.(payload.error);
      if (!payload.restart && !this.disconnecting && this.handler) this.restarting ??= this.restart(consumer, this.handler);
    });
    return consumer;
  }

  /** Replaces a consumer kafkajs gave up on (it has already left the group) with a fresh member. */
  private async restart(dead: Consumer, handler: MessageHandler): Promise<void> {
    await dead.disconnect().catch(() => undefined);
    for (let attempt = 1; !this.disconnecting; attempt++) {
      await sleep(Math.min(RESTART_BACKOFF_MS.max, RESTART_BACKOFF_MS.first * 2 ** (attempt - 1)));
      if (this.disconnecting) break;
      this.consumer = this.create();
      try {
        await this.connect();
        await this.run(handler);
        break;
      } catch (error) {
        this.settings.onCrash?.(error instanceof Error ? error : new Error(String(error)));
        await this.consumer.disconnect().catch(() => undefined);
      }
    }
    this.restarting = null;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
