import { FaultProxy } from '../support/fault-proxy';
import { databaseUrl, FAULTS, sleep } from './harness/env';
import { expectClean } from './harness/expect';
import { proxiedBroker, runNode } from './harness/infra';
import { allAttempts } from './harness/load';
import { AppProcess } from './harness/processes';
import { Scenario } from './harness/scenario';

jest.setTimeout(240_000);

/** The apps' own bound: DB_STATEMENT_TIMEOUT_MS (15 s) plus the pool's connection timeout (5 s). */
const DEADLINE_MS = 20_000;
/** "Memory stays flat": no process may grow by more than this over its baseline. */
const MAX_RSS_GROWTH_MB = 150;

/**
 * Scenario 10. Slow and broken connections, through a TCP fault proxy of our own
 * (test/support/fault-proxy.ts) in front of PostgreSQL and in front of a broker. Kafka clients
 * connect to the address the broker advertises, so this scenario runs its own broker whose
 * advertised listener IS the proxy's port (scripts/faults/kafka-behind-proxy.sh): every Kafka
 * connection of the API's relay and of the worker goes through the proxy. The checker reads the
 * database directly. Phases, under load:
 *   latency (100 ms per chunk to PostgreSQL, 200 ms to the broker), a 30 s blackhole of both
 *   (nothing forwarded, nothing answered, connections kept open), then resets (RST of every
 *   connection, every 2 s), then healed.
 * Every request must be answered within a bounded deadline (a 503 is fine), memory must stay
 * flat, and after healing nothing may be lost.
 */
describe('S10 slow and broken connections to PostgreSQL and the broker', () => {
  let s: Scenario;
  let pgProxy: FaultProxy;
  let kafkaProxy: FaultProxy;
  const memory: Array<{ t: number; phase: string; api: number | null; worker: number | null }> = [];

  beforeAll(async () => {
    pgProxy = new FaultProxy('127.0.0.1', FAULTS.pgPort);
    await pgProxy.start();
    kafkaProxy = new FaultProxy('127.0.0.1', proxiedBroker.ports.listener);
    await kafkaProxy.start(proxiedBroker.ports.advertised);
    await proxiedBroker.start();
    const brokers = `127.0.0.1:${proxiedBroker.ports.advertised}`;
    // The project's readiness steps (controller, group coordinator, producer ids), through the proxy.
    await runNode('scripts/kafka/ensure-topics.js', { KAFKA_BROKERS: brokers, KAFKA_TOPIC: 'faults.bootstrap' });
    s = await Scenario.open('s10-network-faults', 'slow and broken connections to PostgreSQL and the broker (TCP fault proxy)', {
      brokers,
      appDatabaseUrl: (database) => databaseUrl(database, pgProxy.port),
    });
  }, 120_000);
  afterAll(async () => {
    pgProxy?.heal();
    kafkaProxy?.heal();
    await s?.close();
    await pgProxy?.close();
    await kafkaProxy?.close();
    await proxiedBroker.stop().catch(() => undefined);
  }, 90_000);

  it('answers within a bounded deadline, keeps memory flat and loses nothing after healing', () =>
    s.run(async () => {
      const api = await s.startApi();
      const worker = await s.startWorker();
      let phase = 'baseline';
      const sampler = setInterval(() => memory.push({ t: s.t, phase, api: api.rssMb(), worker: worker.rssMb() }), 1_000);
      const load = s.load({ port: api.port, concurrency: 8, attemptTimeoutMs: 40_000, giveUpAfterMs: 120_000 }).start();
      const phases: Array<{ phase: string; from: number; to: number }> = [];
      const during = async (name: string, ms: number, inject: () => void) => {
        phase = name;
        const from = Date.now();
        inject();
        await sleep(ms);
        phases.push({ phase: name, from, to: Date.now() });
      };
      try {
        await during('baseline', 8_000, () => undefined);
        await during('latency', 12_000, () => {
          pgProxy.latency(100);
          kafkaProxy.latency(200);
          s.fault('latency', { postgresMsPerChunk: 100, brokerMsPerChunk: 200, forSeconds: 12 });
        });
        await during('healed-1', 3_000, () => heal());
        await during('blackhole', 30_000, () => {
          pgProxy.blackhole();
          kafkaProxy.blackhole();
          s.fault('blackhole of PostgreSQL and the broker', {
            forSeconds: 30,
            openPgConnections: pgProxy.openConnections,
            openKafkaConnections: kafkaProxy.openConnections,
          });
        });
        await during('healed-2', 5_000, () => heal());
        let resets = 0;
        await during('resets', 12_000, () => {
          const timer = setInterval(() => {
            resets += pgProxy.resetAll() + kafkaProxy.resetAll();
          }, 2_000);
          setTimeout(() => clearInterval(timer), 11_900);
          s.fault('connection resets every 2 s', { forSeconds: 12 });
        });
        s.note('connectionsReset', resets);
        await during('healed-3', 5_000, () => heal());
        await load.stop();
        phase = 'drain';
        const report = await s.check({ drainTimeoutMs: 120_000 });
        phase = 'after';
        await sleep(1_000);

        const attempts = allAttempts(s.ops);
        const phaseOf = (at: number) => phases.find((p) => at >= p.from && at < p.to)?.phase ?? 'after';
        const slow = attempts.filter((attempt) => attempt.ms > DEADLINE_MS);
        const wrong = attempts.filter((attempt) => attempt.status !== null && attempt.status >= 300 && !(attempt.status === 503 && attempt.envelopeOk));
        const unanswered = attempts.filter((attempt) => attempt.status === null);
        const byPhase: Record<string, { requests: number; answered2xx: number; answered503: number; other: number; noAnswer: number; maxMs: number }> = {};
        for (const attempt of attempts) {
          const entry = (byPhase[phaseOf(attempt.at)] ??= { requests: 0, answered2xx: 0, answered503: 0, other: 0, noAnswer: 0, maxMs: 0 });
          entry.requests++;
          if (attempt.status === null) entry.noAnswer++;
          else if (attempt.status < 300) entry.answered2xx++;
          else if (attempt.status === 503) entry.answered503++;
          else entry.other++;
          entry.maxMs = Math.max(entry.maxMs, attempt.ms);
        }
        const growth = (key: 'api' | 'worker') => {
          const base = memory.filter((m) => m.phase === 'baseline' && m[key] !== null).map((m) => m[key]!);
          const baseline = base.length ? Math.max(...base.slice(-3)) : 0;
          const peak = Math.max(...memory.map((m) => m[key] ?? 0));
          const final = memory.filter((m) => m[key] !== null).slice(-1)[0]?.[key] ?? 0;
          return { baselineMb: Math.round(baseline), peakMb: Math.round(peak), finalMb: Math.round(final), peakGrowthMb: Math.round(peak - baseline) };
        };
        s.note('phases', byPhase);
        s.note('memory', { api: growth('api'), worker: growth('worker') });
        s.note(
          'slowestAttempts',
          slow.slice(0, 10).map((a) => `${phaseOf(a.at)} ${a.op.method} ${a.ms} ms -> ${a.status ?? a.network}`),
        );
        s.note('proxyStats', { postgres: pgProxy.stats, broker: kafkaProxy.stats });

        const summary = (list: typeof attempts) => ({
          count: list.length,
          first: list.slice(0, 5).map((a) => `${phaseOf(a.at)} ${a.op.method} ${a.ms} ms -> ${a.status ?? a.network} ${a.errorCode ?? ''}`.trim()),
        });
        expect({
          answeredLaterThanDeadline: summary(slow),
          answersOtherThan2xxOr503: summary(wrong),
          noAnswerAtAll: summary(unanswered),
          memoryGrowthOverLimit: (['api', 'worker'] as const).filter((key) => growth(key).peakGrowthMb > MAX_RSS_GROWTH_MB),
          processesAlive: [api, worker].every((p: AppProcess) => p.alive),
        }).toEqual({
          answeredLaterThanDeadline: { count: 0, first: [] },
          answersOtherThan2xxOr503: { count: 0, first: [] },
          noAnswerAtAll: { count: 0, first: [] },
          memoryGrowthOverLimit: [],
          processesAlive: true,
        });
        expectClean(s, report);
      } finally {
        clearInterval(sampler);
        heal();
      }
    }));

  function heal(): void {
    pgProxy.heal();
    kafkaProxy.heal();
  }
});
