import net from 'node:net';

/**
 * A small TCP fault proxy of our own, put between a process and one dependency (PostgreSQL, a
 * Kafka broker) so a test can make that one link slow or broken without touching the server
 * other suites share. Modes:
 *
 * - latency(ms): every chunk is forwarded `ms` later, in order, in both directions;
 * - blackhole(): nothing is forwarded any more and nothing is answered; open connections stay
 *   open and new ones are accepted but not connected upstream. Like a real network partition,
 *   data is held rather than lost (TCP would retransmit it): heal() delivers it in order, to the
 *   connections that are still open then;
 * - resetAll(): every open connection is reset (RST) on both sides;
 * - heal(): back to a transparent pipe.
 */
export class FaultProxy {
  private server: net.Server | null = null;
  private readonly links = new Set<Link>();
  private latencyMs = 0;
  private holding = false;
  port = 0;
  readonly stats = { connections: 0, resets: 0, heldChunks: 0, delayedChunks: 0 };

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(port = 0): Promise<number> {
    this.server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  latency(ms: number): void {
    this.latencyMs = ms;
  }

  blackhole(): void {
    this.holding = true;
  }

  /** Transparent again: held data is delivered in order, and connections accepted meanwhile are connected upstream. */
  heal(): void {
    this.latencyMs = 0;
    this.holding = false;
    for (const link of this.links) link.release();
  }

  /** Resets (RST) every open connection, both the client's and the upstream one. Returns how many. */
  resetAll(): number {
    const count = this.links.size;
    for (const link of [...this.links]) link.reset();
    this.stats.resets += count;
    return count;
  }

  get openConnections(): number {
    return this.links.size;
  }

  async close(): Promise<void> {
    for (const link of [...this.links]) link.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.stats.connections++;
    const link = new Link(client, () => this.connectUpstream(), {
      latency: () => this.latencyMs,
      holding: () => this.holding,
      onHeld: () => this.stats.heldChunks++,
      onDelayed: () => this.stats.delayedChunks++,
      onClose: () => this.links.delete(link),
    });
    this.links.add(link);
    if (!this.holding) link.release();
  }

  private connectUpstream(): net.Socket {
    return net.connect(this.targetPort, this.targetHost);
  }
}

interface LinkHooks {
  latency(): number;
  holding(): boolean;
  onHeld(): void;
  onDelayed(): void;
  onClose(): void;
}

/** One client connection and its upstream connection, with an ordered, delayable queue per direction. */
class Link {
  private upstream: net.Socket | null = null;
  private closed = false;
  private readonly up = new Direction();
  private readonly down = new Direction();

  constructor(
    private readonly client: net.Socket,
    private readonly connect: () => net.Socket,
    private readonly hooks: LinkHooks,
  ) {
    client.setNoDelay(true);
    client.on('data', (chunk) => this.forward(this.up, chunk, () => this.upstream));
    client.on('error', () => this.destroy());
    client.on('close', () => this.destroy());
  }

  /** Connects upstream (once) and delivers whatever was held. */
  release(): void {
    if (this.closed) return;
    if (!this.upstream) {
      const upstream = this.connect();
      upstream.setNoDelay(true);
      upstream.on('data', (chunk) => this.forward(this.down, chunk, () => this.client));
      upstream.on('error', () => this.destroy());
      upstream.on('close', () => this.destroy());
      this.upstream = upstream;
    }
    this.up.flush(() => this.upstream);
    this.down.flush(() => this.client);
  }

  reset(): void {
    if (this.closed) return;
    this.closed = true;
    for (const socket of [this.client, this.upstream]) {
      if (!socket || socket.destroyed) continue;
      // resetAndDestroy sends an RST; it needs a connected socket.
      if (typeof socket.resetAndDestroy === 'function' && socket.readyState === 'open') socket.resetAndDestroy();
      else socket.destroy();
    }
    this.hooks.onClose();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
    this.upstream?.destroy();
    this.up.clear();
    this.down.clear();
    this.hooks.onClose();
  }

  private forward(direction: Direction, chunk: Buffer, target: () => net.Socket | null): void {
    if (this.closed) return;
    if (this.hooks.holding() || !target()) {
      direction.hold(chunk);
      this.hooks.onHeld();
      return;
    }
    const latency = this.hooks.latency();
    if (latency > 0) this.hooks.onDelayed();
    direction.send(chunk, latency, target);
  }
}

/** One direction of a link: held chunks, and a deadline that only moves forward so order is kept. */
class Direction {
  private held: Buffer[] = [];
  private lastAt = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  hold(chunk: Buffer): void {
    this.held.push(chunk);
  }

  flush(target: () => net.Socket | null): void {
    const held = this.held;
    this.held = [];
    for (const chunk of held) this.send(chunk, 0, target);
  }

  send(chunk: Buffer, latencyMs: number, target: () => net.Socket | null): void {
    const at = Math.max(Date.now() + latencyMs, this.lastAt);
    this.lastAt = at;
    if (at <= Date.now() && this.timers.size === 0) {
      write(target(), chunk);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      write(target(), chunk);
    }, at - Date.now());
    this.timers.add(timer);
  }

  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.held = [];
  }
}

function write(socket: net.Socket | null, chunk: Buffer): void {
  if (socket && !socket.destroyed && socket.writable) socket.write(chunk);
}
