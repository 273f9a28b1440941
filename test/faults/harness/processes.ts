import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { ROOT, sleep } from './env';

export type AppKind = 'api' | 'worker';

export interface SpawnOptions {
  label: string;
  env: Record<string, string>;
  logDir: string;
  /** A libfaketime offset such as '+300s' or '-300s' for this process's wall clock. */
  clockOffset?: string;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
  /** True when the suite sent the signal that ended it (a deliberate kill or stop). */
  expected: boolean;
}

/** Where the Debian libfaketime package puts its preload library; `$LIB` is expanded by ld.so. */
const LIBFAKETIME = '/usr/$LIB/faketime/libfaketime.so.1';
const LIBFAKETIME_CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
];

export function faketimeInstalled(): boolean {
  return LIBFAKETIME_CANDIDATES.some((candidate) => fs.existsSync(candidate));
}

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A built app (dist/apps/<kind>/src/main.js) as its own OS process, so it can be killed with
 * SIGKILL, frozen with SIGSTOP or run under a skewed clock. Its output goes to a log file; the
 * last lines are kept for assertions.
 */
export class AppProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly logFile: string;
  readonly startedAt = Date.now();
  exit: ExitInfo | null = null;
  private readonly lines: string[] = [];
  private signalled = false;
  readonly exited: Promise<ExitInfo>;

  constructor(
    readonly kind: AppKind,
    readonly port: number,
    private readonly options: SpawnOptions,
  ) {
    const env: Record<string, string> = { ...(process.env as Record<string, string>), ...options.env };
    if (options.clockOffset) {
      // What the faketime wrapper does, minus its extra parent process: the pid here is node's own,
      // so SIGKILL and SIGSTOP reach the app itself. Only the wall clock moves; timers (monotonic) do not.
      env.LD_PRELOAD = LIBFAKETIME;
      env.FAKETIME = options.clockOffset;
      env.FAKETIME_DONT_FAKE_MONOTONIC = '1';
    }
    fs.mkdirSync(options.logDir, { recursive: true });
    this.child = spawn(process.execPath, [path.join(ROOT, `dist/apps/${kind}/src/main.js`)], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    if (this.child.pid === undefined) throw new Error(`could not spawn the ${kind}`);
    this.pid = this.child.pid;
    this.logFile = path.join(options.logDir, `${options.label}-${this.pid}.log`);
    const log = fs.createWriteStream(this.logFile);
    const keep = (chunk: Buffer) => {
      log.write(chunk);
      for (const line of chunk.toString('utf8').split('\n')) if (line) this.lines.push(line);
      if (this.lines.length > 5_000) this.lines.splice(0, this.lines.length - 5_000);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal, at: Date.now(), expected: this.signalled };
        log.end();
        resolve(this.exit);
      });
    });
  }

  get label(): string {
    return this.options.label;
  }

  get alive(): boolean {
    return this.exit === null;
  }

  get clockOffset(): string | undefined {
    return this.options.clockOffset;
  }

  /** Resolves once the app serves HTTP (the API) or has started its consumer (the worker). */
  async ready(timeoutMs = 60_000): Promise<this> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exit) throw new Error(`${this.label} exited during start-up (${JSON.stringify(this.exit)}):\n${this.tail(30)}`);
      const readyNow =
        this.kind === 'api'
          ? (await httpStatus(this.port, '/health/live', 1_000)) === 200
          : this.lines.some((line) => line.includes('End Users worker started'));
      if (readyNow) return this;
      await sleep(100);
    }
    throw new Error(`${this.label} was not ready within ${timeoutMs} ms:\n${this.tail(30)}`);
  }

  tail(count: number): string {
    return this.lines.slice(-count).join('\n');
  }

  logLines(): readonly string[] {
    return this.lines;
  }

  async waitForLog(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.lines.find((line) => pattern.test(line));
      if (found) return found;
      await sleep(100);
    }
    throw new Error(`${this.label}: no log line matching ${pattern} within ${timeoutMs} ms`);
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.alive) return;
    if (signal === 'SIGKILL' || signal === 'SIGTERM') this.signalled = true;
    process.kill(this.pid, signal);
  }

  async kill9(): Promise<ExitInfo> {
    if (!this.alive) return this.exit!;
    this.signal('SIGKILL');
    return this.exited;
  }

  /** SIGTERM (the app shuts down cleanly, the worker leaves its group), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<ExitInfo> {
    if (!this.alive) return this.exit!;
    try {
      process.kill(this.pid, 'SIGCONT');
    } catch {
      // already gone
    }
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.alive && this.signal('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  /** Resident memory in MiB, from /proc (works even while the process is frozen). */
  rssMb(): number | null {
    try {
      const status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
      return Number.isFinite(kb) ? kb / 1024 : null;
    } catch {
      return null;
    }
  }

  /** The Prometheus text of /metrics (the API on its port, the worker on WORKER_PORT). */
  async metrics(timeoutMs = 5_000): Promise<string> {
    return httpText(this.port, '/metrics', timeoutMs);
  }

  /** The sum of a counter's samples whose labels include `labels`. */
  async counter(name: string, labels: Record<string, string> = {}): Promise<number> {
    return sumSamples(await this.metrics(), name, labels);
  }
}

export function sumSamples(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+([-+0-9.eE]+|NaN)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    if (Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`))) total += Number(match[3]);
  }
  return total;
}

function httpText(port: number, urlPath: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath} timed out`)));
    req.on('error', reject);
  });
}

export function httpStatus(port: number, urlPath: string, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? null);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}
