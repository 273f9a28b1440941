import { ChildProcess } from 'node:child_process';
import request from 'supertest';
import { brokerIsUp, startBroker, stopBroker } from '../support/kafka';
import { TcpProxy } from '../support/tcp-proxy';
import { eventually, killHard, spawnApp } from '../support/worker';

const databaseUrl = new URL(process.env.DATABASE_URL!);

/** The API and the worker as processes, reaching PostgreSQL through a proxy the test can cut. */
describe('health endpoints', () => {
  let proxy: TcpProxy;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    proxy = new TcpProxy(databaseUrl.hostname, Number(databaseUrl.port || 5432));
    await proxy.start();
  });
  afterAll(async () => {
    for (const child of children) await killHard(child);
    await proxy.cut();
    if (!(await brokerIsUp())) await startBroker();
  });

  async function start(app: 'api' | 'worker', port: number): Promise<string> {
    const viaProxy = new URL(databaseUrl.toString());
    viaProxy.port = String(proxy.port);
    const child = spawnApp(app, {
      DATABASE_URL: viaProxy.toString(),
      [app === 'api' ? 'PORT' : 'WORKER_PORT']: String(port),
      KAFKA_CONSUMER_GROUP: `health-${Date.now()}`,
    });
    children.push(child);
    const base = `http://127.0.0.1:${port}`;
    await eventually(async () => ((await request(base).get('/health/live')).status === 200 ? true : undefined), 30_000, 200);
    return base;
  }

  it('turn unready while the database is unreachable and ready again after, without the processes exiting', async () => {
    const api = await start('api', 39_311);
    const worker = await start('worker', 39_312);
    for (const base of [api, worker]) {
      const ready = await request(base).get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.info.database.status).toBe('up');
    }

    await proxy.cut();
    for (const base of [api, worker]) {
      const unready = await eventually(async () => {
        const res = await request(base).get('/health/ready');
        return res.status === 503 ? res : undefined;
      }, 15_000);
      expect(unready.body.error.database.status).toBe('down');
      expect((await request(base).get('/health/live')).status).toBe(200);
    }

    await proxy.restore();
    for (const base of [api, worker]) await eventually(async () => ((await request(base).get('/health/ready')).status === 200 ? true : undefined), 20_000, 250);
    for (const child of children) expect(child.exitCode).toBeNull();
  }, 120_000);

  it('turn unready while the broker is stopped', async () => {
    const api = await start('api', 39_313);
    expect((await request(api).get('/health/ready')).status).toBe(200);
    await stopBroker();
    try {
      const unready = await eventually(async () => {
        const res = await request(api).get('/health/ready');
        return res.status === 503 ? res : undefined;
      }, 20_000);
      expect(unready.body.error.broker.status).toBe('down');
      expect(unready.body.info.database.status).toBe('up');
    } finally {
      await startBroker();
    }
    await eventually(async () => ((await request(api).get('/health/ready')).status === 200 ? true : undefined), 30_000, 250);
  }, 120_000);
});
