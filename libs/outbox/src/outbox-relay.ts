import { KAFKA_HEADERS } from '@app/contracts';
import { MessagePublisher, OutgoingMessage } from '@app/kafka';
import { DataKeys, SEALED_PREFIX } from '@app/personal-data';
import { Client } from 'pg';
import { outboxSignal } from './outbox-signal';
import { isSealedPayload, openOutboxPayload } from './sealed-payload';

export interface OutboxRelayOptions {
  databaseUrl: string;
  batchSize: number;
  /** How often to look for rows written by other processes, which cannot signal this one. */
  pollIntervalMs: number;
  /** Longest pause between attempts while the broker or the database is unreachable. */
  maxBackoffMs: number;
  /** Published rows (their payload removed at once) are kept this long for audit, then deleted. */
  retentionMs: number;
  /** Called after each batch is acknowledged and marked published. */
  onPublished?: (count: number) => void;
  /** Called with the number of sealed rows left unpublished because their user was erased first. */
  onErased?: (count: number) => void;
}

export interface RelayLogger {
  log(message: string): void;
  warn(message: string): void;
}

export interface RelayStats {
  leader: boolean;
  published: number;
  failedAttempts: number;
}

interface OutboxRow {
  id: string;
  topic: string;
  message_key: string;
  payload: string;
  headers: Record<string, string>;
  /** The user's wrapped data key, for a sealed payload; null for a sealed payload means the user is erased. */
  kek_id: string | null;
  wrapped_key: Buffer | null;
}

/** Any constant shared by every relay of this database: whoever holds it is the one publisher. */
const RELAY_LOCK_KEY = 7_240_118_301;
const STANDBY_RETRY_MS = 1_000;
const CLEANUP_EVERY_MS = 60_000;

/**
 * Publishes outbox rows in id order and marks them published only after the broker acknowledged
 * them. One relay at a time holds a session advisory lock and does all of its work on that
 * session, so two relays never interleave a user's events; the others stand by. Rows are never
 * skipped: the relay always reads the lowest unpublished rows, not "after the last position", so a
 * row whose transaction commits late is simply picked up by the next batch.
 */
export class OutboxRelay {
  private client: Client | null = null;
  private running = false;
  private loopDone: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private signalled = false;
  private unsubscribe: (() => void) | null = null;
  private lastCleanup = 0;
  readonly stats: RelayStats = { leader: false, published: 0, failedAttempts: 0 };

  constructor(
    private readonly publisher: MessagePublisher,
    private readonly dataKeys: DataKeys,
    private readonly options: OutboxRelayOptions,
    private readonly logger: RelayLogger,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = outboxSignal.subscribe(() => this.poke());
    this.loopDone = this.loop();
  }

  /** Finishes the batch in flight, gives up leadership and closes its connection. */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.poke();
    await this.loopDone;
    await this.dropConnection();
  }

  private poke(): void {
    this.signalled = true;
    this.wake?.();
  }

  private async loop(): Promise<void> {
    let backoffMs = 0;
    while (this.running) {
      try {
        const client = await this.leaderConnection();
        if (!client) {
          await this.sleep(STANDBY_RETRY_MS);
          continue;
        }
        const caughtUp = await this.drain(client);
        backoffMs = 0;
        await this.cleanupIfDue(client);
        if (caughtUp) await this.sleep(this.options.pollIntervalMs);
      } catch (error) {
        this.stats.failedAttempts++;
        // A broker failure keeps the session (and leadership); anything else may have broken it.
        if (!(error instanceof PublishFailed)) await this.dropConnection();
        backoffMs = Math.min(this.options.maxBackoffMs, Math.max(100, backoffMs * 2));
        this.logger.warn(`outbox relay: ${error instanceof Error ? error.message : String(error)}; retrying in ${backoffMs} ms`);
        await this.sleep(backoffMs);
      }
    }
  }

  /**
   * Publishes batches back to back until one is short, and returns whether it caught up. Batches go
   * to the broker one at a time in id order (a key is never reordered); the database work overlaps
   * them: the next batch is read while this one is acknowledged, and this one is marked while the
   * next is published. Every read starts from the lowest unpublished id and leaves out only the
   * batch in flight: a row that commits late with a lower id goes out in the very next batch,
   * before any later row of its key (which can only commit after it).
   */
  private async drain(client: Client): Promise<boolean> {
    let batch = await this.read(client, []);
    // The statements in flight on the connection, each issued once the one before it settled.
    let marking: Promise<void> = Promise.resolve();
    let next: Promise<OutboxRow[]> | null = null;
    try {
      while (batch.length > 0) {
        const sent = batch;
        const more = sent.length === this.options.batchSize && this.running;
        next = more ? handled(settled(marking).then(() => this.read(client, ids(sent)))) : null;
        try {
          await this.publish(sent);
        } catch (error) {
          await settled(marking, next);
          throw await this.recordFailure(client, sent, error);
        }
        await marking;
        marking = handled(settled(next).then(() => this.mark(client, sent)));
        if (!next) break;
        batch = await next;
      }
      await marking;
    } finally {
      // Never leave a statement running on the connection for whoever uses (or closes) it next.
      await settled(marking, next);
    }
    return batch.length < this.options.batchSize;
  }

  /** The lowest unpublished rows, except those of the batch in flight (sent, not yet marked). */
  private async read(client: Client, inFlight: string[]): Promise<OutboxRow[]> {
    // A sealed payload's key row is read with it: the relay opens the payload just before sending.
    const { rows } = await client.query<OutboxRow>(
      `SELECT o.id, o.topic, o.message_key, o.payload, o.headers, k.kek_id, k.wrapped_key
       FROM outbox o
       LEFT JOIN LATERAL (
         SELECT kek_id, wrapped_key FROM end_user_data_keys
         WHERE end_user_id = CASE WHEN starts_with(o.payload, $3) THEN o.message_key::uuid END
       ) k ON true
       WHERE o.published_at IS NULL AND NOT (o.id = ANY($1::bigint[])) ORDER BY o.id LIMIT $2`,
      [inFlight, this.options.batchSize, SEALED_PREFIX],
    );
    return rows;
  }

  /** Sends the batch; a sealed row whose user was erased before it went out is not sent (it is marked like the rest). */
  private async publish(rows: OutboxRow[]): Promise<void> {
    const messages = rows.map((row) => this.messageOf(row));
    const erased = messages.filter((message) => message === null).length;
    for (const [topic, byTopic] of groupByTopic(rows, messages)) await this.publisher.publish(topic, byTopic);
    if (erased > 0) this.options.onErased?.(erased);
  }

  private messageOf(row: OutboxRow): OutgoingMessage | null {
    if (!isSealedPayload(row.payload)) return { key: row.message_key, value: row.payload, headers: row.headers };
    if (row.kek_id === null || row.wrapped_key === null) return null;
    const cipher = this.dataKeys.cipherFor(row.message_key, { kekId: row.kek_id, wrapped: row.wrapped_key });
    return { key: row.message_key, value: openOutboxPayload(row.headers[KAFKA_HEADERS.eventId], row.payload, cipher), headers: row.headers };
  }

  /** Counts an attempt on every row of the batch the broker refused, and returns the error to throw. */
  private async recordFailure(client: Client, rows: OutboxRow[], error: unknown): Promise<PublishFailed> {
    const reason = error instanceof Error ? error.message : String(error);
    await client.query('UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::bigint[])', [ids(rows), reason.slice(0, 1000)]);
    return new PublishFailed(`publishing ${rows.length} outbox rows failed: ${reason}`);
  }

  /** Only for rows the broker has acknowledged. */
  private async mark(client: Client, rows: OutboxRow[]): Promise<void> {
    // The payload goes at once: a published row keeps no copy of the message, only its bookkeeping.
    await client.query('UPDATE outbox SET published_at = now(), payload = NULL WHERE id = ANY($1::bigint[])', [ids(rows)]);
    this.stats.published += rows.length;
    this.options.onPublished?.(rows.length);
  }

  private async cleanupIfDue(client: Client): Promise<void> {
    if (Date.now() - this.lastCleanup < CLEANUP_EVERY_MS) return;
    this.lastCleanup = Date.now();
    await client.query(`DELETE FROM outbox WHERE published_at < now() - make_interval(secs => $1)`, [this.options.retentionMs / 1000]);
  }

  /** The session that holds the relay lock, or null while another relay holds it. */
  private async leaderConnection(): Promise<Client | null> {
    if (this.client) return this.client;
    const client = new Client({
      connectionString: this.options.databaseUrl,
      application_name: 'end-users-outbox-relay',
      keepAlive: true,
      query_timeout: 10_000,
      connectionTimeoutMillis: 5_000,
    });
    client.on('error', () => void this.dropConnection());
    await client.connect();
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [RELAY_LOCK_KEY]);
    if (!rows[0].locked) {
      await client.end().catch(() => undefined);
      if (this.stats.leader) this.logger.log('outbox relay: now standing by');
      this.stats.leader = false;
      return null;
    }
    // A mark lost in a crash only republishes rows the consumers already deduplicate: the relay's
    // writes need not wait for the WAL flush.
    await client.query('SET synchronous_commit = off');
    this.client = client;
    this.stats.leader = true;
    this.logger.log('outbox relay: publishing (holds the relay lock)');
    return client;
  }

  private async dropConnection(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.stats.leader = false;
    if (client) await client.end().catch(() => undefined);
  }

  private sleep(ms: number): Promise<void> {
    if (this.signalled || !this.running) {
      this.signalled = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    }).then(() => {
      this.wake = null;
      this.signalled = false;
    });
  }
}

class PublishFailed extends Error {}

/** A promise that may settle before anyone awaits it, without counting as an unhandled rejection. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

function settled(...promises: (Promise<unknown> | null)[]): Promise<void> {
  return Promise.allSettled(promises).then(() => undefined);
}

function ids(rows: OutboxRow[]): string[] {
  return rows.map((row) => row.id);
}

function groupByTopic(rows: OutboxRow[], messages: (OutgoingMessage | null)[]): Map<string, OutgoingMessage[]> {
  const byTopic = new Map<string, OutgoingMessage[]>();
  rows.forEach((row, index) => {
    const message = messages[index];
    if (!message) return;
    const forTopic = byTopic.get(row.topic);
    if (forTopic) forTopic.push(message);
    else byTopic.set(row.topic, [message]);
  });
  return byTopic;
}
