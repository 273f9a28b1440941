import { randomUUID } from 'node:crypto';
import http, { IncomingHttpHeaders } from 'node:http';
import { sleep } from './env';

/** One HTTP attempt of a logical request, as the client saw it. */
export interface Attempt {
  /** Epoch ms when it was sent and how long until its answer (or failure). */
  at: number;
  ms: number;
  status: number | null;
  /** Network failure (ECONNRESET, ECONNREFUSED, TIMEOUT...) when there was no HTTP answer. */
  network?: string;
  /** The envelope's error code, for a JSON error answer. */
  errorCode?: string;
  envelopeOk?: boolean;
  requestId: string;
  replayed: boolean;
}

export type OpKind = 'create' | 'update' | 'delete';

/** A logical request: one intent of a client, sent (and retried) with one Idempotency-Key. */
export interface Op {
  kind: OpKind;
  load: string;
  externalId: string;
  endUserId?: string;
  idempotencyKey: string;
  method: 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: Record<string, unknown>;
  /** Extra request headers (If-Match). */
  headers?: Record<string, string>;
  attempts: Attempt[];
  outcome: 'pending' | 'acked' | 'rejected' | 'gave_up';
  /** The final status and body (2xx when acked). */
  status?: number;
  response?: any;
  startedAt: number;
  endedAt?: number;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: any;
  text: string;
}

export class NetworkError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/** One HTTP request with a hard client deadline; a missing answer is a NetworkError. */
export function sendJson(
  agent: http.Agent,
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: unknown,
  timeoutMs: number,
): Promise<HttpAnswer> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: { ...headers, ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error: NodeJS.ErrnoException) => reject(new NetworkError(error.code ?? error.message)));
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: any = undefined;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, text });
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new NetworkError('TIMEOUT')), timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error instanceof NetworkError ? error : new NetworkError(error.code ?? error.message));
    });
    if (payload) req.write(payload);
    req.end();
  });
}

/** The one error envelope, as README.md describes it. */
export function isEnvelope(answer: HttpAnswer): boolean {
  const error = answer.body?.error;
  return (
    !!error &&
    Object.keys(answer.body).length === 1 &&
    typeof error.code === 'string' &&
    typeof error.message === 'string' &&
    Array.isArray(error.details) &&
    typeof error.request_id === 'string' &&
    answer.headers['x-request-id'] === error.request_id
  );
}

export interface LoadOptions {
  label: string;
  port: number;
  platform: { id: string; key: string };
  /** Virtual users, each running one end user's life at a time. */
  concurrency: number;
  /** Share of users that get one or two PATCHes, a repeat create, a DELETE. */
  updateRatio?: number;
  repeatCreateRatio?: number;
  deleteRatio?: number;
  /** Client deadline of one attempt. */
  attemptTimeoutMs?: number;
  /** A logical request is abandoned (outcome gave_up) after this long. */
  giveUpAfterMs?: number;
  thinkMs?: number;
}

/**
 * Closed-loop load through HTTP, the way a careful client behaves: every mutating request has an
 * Idempotency-Key and a fresh X-Request-Id per attempt; network failures, timeouts, 5xx and the
 * 409 "still in progress" are retried with backoff and the same key until answered for good.
 * Each end user's requests are sequential (create, maybe a repeat create, maybe PATCHes, maybe a
 * DELETE), so the order of a user's events is known.
 */
export class Load {
  readonly ops: Op[] = [];
  private readonly agent: http.Agent;
  private running = false;
  private paused = false;
  private runners: Promise<void>[] = [];
  private sequence = 0;
  inFlight = 0;
  port: number;

  constructor(private readonly options: LoadOptions) {
    this.port = options.port;
    // Never a client-side queue: every request of the load is on the wire at once.
    this.agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  }

  start(): this {
    this.running = true;
    this.runners = Array.from({ length: this.options.concurrency }, (_, vu) => this.virtualUser(vu));
    return this;
  }

  /** New logical requests wait; those in flight carry on (with their retries) until answered. */
  async pause(): Promise<void> {
    this.paused = true;
    while (this.inFlight > 0) await sleep(20);
  }

  resume(): void {
    this.paused = false;
  }

  /** Lets every virtual user finish the request it is on (with its retries), then returns. */
  async stop(): Promise<void> {
    this.running = false;
    this.paused = false;
    await Promise.all(this.runners);
    this.agent.destroy();
  }

  private async virtualUser(vu: number): Promise<void> {
    const o = { updateRatio: 0.5, repeatCreateRatio: 0.05, deleteRatio: 0.15, thinkMs: 20, ...this.options };
    while (this.running) {
      if (this.paused) {
        await sleep(20);
        continue;
      }
      const externalId = `${o.label}-${vu}-${this.sequence++}-${randomUUID().slice(0, 8)}`;
      const created = await this.create(externalId, { display_name: `user ${externalId}`, metadata: { vu, load: o.label } });
      const endUserId: string | undefined = created.outcome === 'acked' ? created.response?.id : undefined;
      if (endUserId && this.running && Math.random() < o.repeatCreateRatio) await this.create(externalId, { display_name: 'ignored on a repeat' });
      if (endUserId && this.running && Math.random() < o.updateRatio) {
        const updates = 1 + Math.floor(Math.random() * 2);
        for (let index = 0; index < updates && this.running; index++)
          await this.update(endUserId, externalId, { display_name: `renamed ${index}`, metadata: { step: index } });
      }
      if (endUserId && this.running && Math.random() < o.deleteRatio) await this.remove(endUserId, externalId);
      if (o.thinkMs > 0) await sleep(o.thinkMs);
    }
  }

  create(externalId: string, extra: Record<string, unknown> = {}, idempotencyKey: string = randomUUID()): Promise<Op> {
    return this.run({
      kind: 'create',
      externalId,
      method: 'POST',
      path: `/v1/platforms/${this.options.platform.id}/end-users`,
      body: { external_id: externalId, ...extra },
      idempotencyKey,
    });
  }

  update(endUserId: string, externalId: string, body: Record<string, unknown>, idempotencyKey: string = randomUUID()): Promise<Op> {
    return this.run({
      kind: 'update',
      externalId,
      endUserId,
      method: 'PATCH',
      path: `/v1/platforms/${this.options.platform.id}/end-users/${endUserId}`,
      body,
      idempotencyKey,
    });
  }

  remove(endUserId: string, externalId: string, idempotencyKey: string = randomUUID()): Promise<Op> {
    return this.run({
      kind: 'delete',
      externalId,
      endUserId,
      method: 'DELETE',
      path: `/v1/platforms/${this.options.platform.id}/end-users/${endUserId}`,
      idempotencyKey,
    });
  }

  /** HTTP attempts sent and not answered yet. */
  openAttempts(): Array<{ op: Op; attempt: Attempt }> {
    return this.ops.flatMap((op) => {
      const attempt = op.attempts[op.attempts.length - 1];
      return op.outcome === 'pending' && attempt && attempt.status === null && attempt.network === undefined && attempt.ms === 0 ? [{ op, attempt }] : [];
    });
  }

  /** Sends one logical request, retrying until it is answered for good or given up. */
  async run(spec: Pick<Op, 'kind' | 'externalId' | 'endUserId' | 'method' | 'path' | 'body' | 'idempotencyKey' | 'headers'>): Promise<Op> {
    const op: Op = { ...spec, load: this.options.label, attempts: [], outcome: 'pending', startedAt: Date.now() };
    this.ops.push(op);
    this.inFlight++;
    const giveUpAt = op.startedAt + (this.options.giveUpAfterMs ?? 90_000);
    try {
      for (let attemptNo = 1; ; attemptNo++) {
        const requestId = `${op.idempotencyKey}.${attemptNo}`;
        const attempt: Attempt = { at: Date.now(), ms: 0, status: null, requestId, replayed: false };
        op.attempts.push(attempt);
        try {
          const answer = await sendJson(
            this.agent,
            this.port,
            op.method,
            op.path,
            { ...op.headers, Authorization: `Bearer ${this.options.platform.key}`, 'Idempotency-Key': op.idempotencyKey, 'X-Request-Id': requestId },
            op.body,
            this.options.attemptTimeoutMs ?? 15_000,
          );
          attempt.ms = Date.now() - attempt.at;
          attempt.status = answer.status;
          attempt.replayed = answer.headers['idempotent-replayed'] === 'true';
          if (answer.status >= 400) {
            attempt.errorCode = answer.body?.error?.code;
            attempt.envelopeOk = isEnvelope(answer);
          }
          if (answer.status < 300) {
            op.outcome = 'acked';
            op.status = answer.status;
            op.response = answer.body;
            if (op.kind === 'create' && answer.body?.id) op.endUserId = answer.body.id;
            return op;
          }
          const retryable = answer.status >= 500 || (answer.status === 409 && answer.body?.error?.code === 'conflict');
          if (!retryable) {
            op.outcome = 'rejected';
            op.status = answer.status;
            op.response = answer.body;
            return op;
          }
        } catch (error) {
          attempt.ms = Date.now() - attempt.at;
          attempt.network = error instanceof NetworkError ? error.code : String(error);
        }
        if (Date.now() >= giveUpAt) {
          op.outcome = 'gave_up';
          return op;
        }
        await sleep(Math.min(2_000, 50 * 2 ** Math.min(attemptNo, 6)) * (0.5 + Math.random() / 2));
      }
    } finally {
      op.endedAt = Date.now();
      this.inFlight--;
    }
  }
}

export interface LoadSummary {
  logicalRequests: number;
  httpRequests: number;
  acked: number;
  rejected: number;
  gaveUp: number;
  byStatus: Record<string, number>;
  networkErrors: number;
  retried: number;
  maxAttemptMs: number;
  /** The slowest attempts: when, what, how long, and the answer. */
  slowest: string[];
}

export function summarize(ops: readonly Op[]): LoadSummary {
  const byStatus: Record<string, number> = {};
  let httpRequests = 0;
  let networkErrors = 0;
  let maxAttemptMs = 0;
  for (const op of ops) {
    for (const attempt of op.attempts) {
      httpRequests++;
      if (attempt.status === null) networkErrors++;
      else byStatus[attempt.status] = (byStatus[attempt.status] ?? 0) + 1;
      maxAttemptMs = Math.max(maxAttemptMs, attempt.ms);
    }
  }
  return {
    logicalRequests: ops.length,
    httpRequests,
    acked: ops.filter((op) => op.outcome === 'acked').length,
    rejected: ops.filter((op) => op.outcome === 'rejected').length,
    gaveUp: ops.filter((op) => op.outcome === 'gave_up').length,
    byStatus,
    networkErrors,
    retried: ops.filter((op) => op.attempts.length > 1).length,
    maxAttemptMs,
    slowest: allAttempts(ops)
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 5)
      .map((a) => `${new Date(a.at).toISOString()} ${a.op.method} ${a.ms} ms -> ${a.status ?? a.network}`),
  };
}

export function allAttempts(ops: readonly Op[]): Array<Attempt & { op: Op }> {
  return ops.flatMap((op) => op.attempts.map((attempt) => ({ ...attempt, op })));
}
