import { MessagePublisher, OutgoingMessage } from '@app/kafka';
import { Client } from 'pg';
import { outboxSignal } from './outbox-signal';

export interface OutboxRelayOptions {
  databaseUrl: string;
  batchSize: number;
  /** How often to look for rows written by other processes, which cannot signal this one. */
  pollIntervalMs: number;
  /** Longest pause between attempts while the broker or the database is unreachable. */
  maxBackoffMs: number;
  /** Published rows are kept this long for audit, then deleted. */
  retentionMs: number;
  /** Called after each batch is acknowledged and marked published. */
  onPublished?: (count: number) => void;
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
}

/** Any constant shared by every relay of this database: whoever holds it is the one publisher. */
const RELAY_LOCK_KEY = 7_240_118_301;
const STANDBY_RETRY_MS = 1_000;
const CLEANUP_EVERY_MS = 60_000;

/**
 * Publishes outbox rows in id order and marks them published only after the broker acknowledged
 * them. One relay at a time holds a session advisory lock and does all of its work on that
 * session, so two relays never interleave a user's events; the others stand by. Rows are never
 * skipped: the relay reads "unpublished", not "after the last position", so a row whose
 * transaction commits late is simply picked up by a later batch.
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
        const published = await this.publishBatch(client);
        backoffMs = 0;
        await this.cleanupIfDue(client);
        if (published < this.options.batchSize) await this.sleep(this.options.pollIntervalMs);
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

  /** Returns how many rows were published. */
  private async publishBatch(client: Client): Promise<number> {
    const { rows } = await client.query<OutboxRow>(
      'SELECT id, topic, message_key, payload, headers FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1',
      [this.options.batchSize],
    );
    if (rows.length === 0) return 0;
    const ids = rows.map((row) => row.id);
    try {
      for (const [topic, messages] of groupByTopic(rows)) await this.publisher.publish(topic, messages);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await client.query('UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::bigint[])', [ids, reason.slice(0, 1000)]);
      throw new PublishFailed(`publishing ${rows.length} outbox rows failed: ${reason}`);
    }
    await client.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [ids]);
    this.stats.published += rows.length;
    this.options.onPublished?.(rows.length);
    return rows.length;
  }

  private async cleanupIfDue(client: Client): Promise<void> {
    if (Date.now() - this.lastCleanup < CLEANUP_EVERY_MS) return;
    this.lastCleanup = Date.now();
    await client.query(`DELETE FROM outbox WHERE published_at < now() - make_interval(secs => $1)`, [this.options.retentionMs / 1000]);
  }

  /** The session that holds the relay lock, or null while another relay holds it. */
  private async leaderConnection(): Promise<Client | null> {
    if (this.client) return this.client;
    const client = new Client({ connectionString: this.options.databaseUrl, application_name: 'end-users-outbox-relay', keepAlive: true, query_timeout: 10_000, connectionTimeoutMillis: 5_000 });
    client.on('error', () => void this.dropConnection());
    await client.connect();
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [RELAY_LOCK_KEY]);
    if (!rows[0].locked) {
      await client.end().catch(() => undefined);
      if (this.stats.leader) this.logger.log('outbox relay: now standing by');
      this.stats.leader = false;
      return null;
    }
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

function groupByTopic(rows: OutboxRow[]): Map<string, OutgoingMessage[]> {
  const byTopic = new Map<string, OutgoingMessage[]>();
  for (const row of rows) {
    const messages = byTopic.get(row.topic) ?? [];
    messages.push({ key: row.message_key, value: row.payload, headers: row.headers });
    byTopic.set(row.topic, messages);
  }
  return byTopic;
}
