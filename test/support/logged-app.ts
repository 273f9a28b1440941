import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { checkResponsesOf } from './api';
import { eventually } from './eventually';
import { stopGracefully } from './messaging';

const ROOT = path.resolve(__dirname, '../..');

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface LoggedApp {
  readonly app: 'api' | 'worker';
  readonly child: ChildProcess;
  /** The API's port, or the worker's health port. */
  readonly port: number;
  readonly baseUrl: string;
  /** Everything the process wrote to stdout and stderr, in the order it arrived. */
  readonly logFile: string;
  /** The log as written so far; complete once stop() resolved. */
  log(): Buffer;
  /** SIGTERM (SIGKILL if it hangs), then waits until the last line is in the log file. */
  stop(): Promise<void>;
}

/**
 * A built app (`npm run build`) as its own process, with every byte of its stdout and stderr kept
 * in `logDir/<app>-<pid>.log`, so a test can read what it logged. Resolves once the process
 * answers /health/live (the worker only listens after its consumer started). Responses of an API
 * started here are checked against docs/openapi.json like those of any other.
 */
export async function spawnLoggedApp(app: 'api' | 'worker', logDir: string, env: Record<string, string> = {}): Promise<LoggedApp> {
  const port = await freePort();
  const ports = app === 'api' ? { PORT: String(port), WORKER_PORT: '0' } : { WORKER_PORT: String(port), PORT: '0' };
  const child = spawn(process.execPath, [path.join(ROOT, `dist/apps/${app}/src/main.js`)], {
    cwd: ROOT,
    env: { ...process.env, ...env, ...ports },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logFile = path.join(logDir, `${app}-${child.pid}.log`);
  const sink = fs.createWriteStream(logFile);
  child.stdout!.pipe(sink, { end: false });
  child.stderr!.pipe(sink, { end: false });
  // 'close' comes after both pipes ended, so nothing is lost when the file is closed then.
  const flushed = new Promise<void>((resolve) => child.once('close', () => sink.end(resolve)));
  const baseUrl = `http://127.0.0.1:${port}`;
  if (app === 'api') checkResponsesOf(baseUrl);

  const logged: LoggedApp = {
    app,
    child,
    port,
    baseUrl,
    logFile,
    log: () => fs.readFileSync(logFile),
    stop: async () => {
      await stopGracefully(child);
      await flushed;
    },
  };
  try {
    await eventually(
      async () => {
        const exited = child.exitCode !== null || child.signalCode !== null;
        // Stops the wait at once: an exited process will not come up.
        if (exited) return false;
        return (await request(baseUrl).get('/health/live')).status === 200 ? true : undefined;
      },
      60_000,
      100,
    ).then((up) => {
      if (!up) throw new Error(`the ${app} exited (${child.exitCode ?? child.signalCode})`);
    });
  } catch (error) {
    await logged.stop();
    const tail = logged.log().toString('utf8').split('\n').slice(-20).join('\n');
    throw new Error(`${(error as Error).message}; the ${app}'s last lines:\n${tail}`);
  }
  return logged;
}
