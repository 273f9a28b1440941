import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { EndUserEventsConsumer } from '../../apps/worker/src/consumers/end-user-events.consumer';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { checkResponsesOf } from './api';

export { eventually } from './eventually';

export interface RunningWorker {
  app: INestApplicationContext;
  consumer: EndUserEventsConsumer;
  close(): Promise<void>;
}

/** The real worker module in this process, consuming the test topic as the test consumer group. */
export async function startWorker(): Promise<RunningWorker> {
  const app = await NestFactory.createApplicationContext(WorkerModule, { logger: ['error'] });
  return { app, consumer: app.get(EndUserEventsConsumer), close: () => app.close() };
}

const ROOT = path.resolve(__dirname, '../..');

/** A built app (`npm run build`) as its own OS process, so a test can kill -9 it. */
export function spawnApp(app: 'api' | 'worker', env: Record<string, string> = {}): ChildProcess {
  if (app === 'api' && env.PORT) checkResponsesOf(`http://127.0.0.1:${env.PORT}`);
  const child = spawn(process.execPath, [path.join(ROOT, `dist/apps/${app}/src/main.js`)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // TEST_CHILD_LOG_DIR=dir keeps each child's output for debugging; otherwise it is discarded.
  const logDir = process.env.TEST_CHILD_LOG_DIR;
  if (logDir) {
    const log = fs.createWriteStream(path.join(logDir, `${app}-${child.pid}.log`));
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  } else {
    child.stdout?.resume();
    child.stderr?.resume();
  }
  return child;
}

export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}
