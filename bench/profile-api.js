'use strict';
/**
 * Where the API's CPU goes under the B1 load: runs the API with --cpu-prof while autocannon sends
 * creates at concurrency 32 (worker and relay running as in B1), then prints the top self-time
 * functions and packages. `npm run bench:profile` (env PROFILE_SECONDS, default 20);
 * `npm run bench:profile -- --worker` profiles the worker draining a pre-filled topic (B8), size BENCH_BACKLOG.
 */
const fs = require('node:fs');
const path = require('node:path');
const { Context, ROOT, log, stopBroker } = require('./lib/harness');
const { load } = require('./lib/load');
const { waitQuiet } = require('./lib/system');

function where(frame) {
  const url = frame.url || '';
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1];
  if (url.startsWith('node:')) return 'node:internal';
  const dist = /dist\/((?:apps|libs)\/[^/]+)/.exec(url);
  return dist ? `app:${dist[1]}` : url;
}

/** CPU accounting of a process's main thread and of the machine, for a window: on-CPU, waiting for a CPU (run queue), idle. */
function cpuSnapshot(pid) {
  const [onCpuNs, runQueueNs] = fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const switches = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)[1]);
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return {
    at: process.hrtime.bigint(),
    onCpuNs,
    runQueueNs,
    voluntary: switches('voluntary_ctxt_switches'),
    involuntary: switches('nonvoluntary_ctxt_switches'),
    cpu,
  };
}

function cpuWindow(before, after) {
  const wallNs = Number(after.at - before.at);
  const ticks = after.cpu.map((v, i) => v - before.cpu[i]);
  const total = ticks.reduce((a, b) => a + b, 0);
  const share = (i) => Math.round((ticks[i] / total) * 1000) / 10;
  return {
    main_thread_on_cpu_pct: Math.round(((after.onCpuNs - before.onCpuNs) / wallNs) * 1000) / 10,
    main_thread_waiting_for_cpu_pct: Math.round(((after.runQueueNs - before.runQueueNs) / wallNs) * 1000) / 10,
    voluntary_switches: after.voluntary - before.voluntary,
    involuntary_switches: after.involuntary - before.involuntary,
    machine_pct: { user: share(0) + share(1), system: share(2), idle: share(3), iowait: share(4), softirq: share(6), steal: share(7) },
  };
}

function summarize(file) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const totalUs = profile.endTime - profile.startTime;
  const selfUs = new Map();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  profile.samples.forEach((id, index) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const byFunction = new Map();
  const byPackage = new Map();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id).callFrame;
    const fn =
      `${frame.functionName || '(anonymous)'} ${frame.url ? `${path.relative(ROOT, frame.url.replace('file://', ''))}:${frame.lineNumber + 1}` : ''}`.trim();
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    byPackage.set(where(frame), (byPackage.get(where(frame)) ?? 0) + us);
  }
  // Native and node-internal time (socket writes, crypto, ...) charged to the nearest package or app frame that called it.
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byCaller = new Map();
  for (const [id, us] of selfUs) {
    let cursor = id;
    let owner = where(byId.get(id).callFrame);
    while ((owner === '(native)' || owner === 'node:internal' || owner === '(anonymous)') && parent.has(cursor)) {
      cursor = parent.get(cursor);
      owner = where(byId.get(cursor).callFrame);
      if (owner === '(root)') break;
    }
    byCaller.set(owner, (byCaller.get(owner) ?? 0) + us);
  }
  const top = (map, n) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), pct: Math.round((us / totalUs) * 1000) / 10 }));
  return { total_ms: Math.round(totalUs / 1000), packages: top(byPackage, 25), callers: top(byCaller, 25), functions: top(byFunction, 40) };
}

function report(summary, out) {
  process.stdout.write(`\nself time by package (of ${summary.total_ms} ms):\n`);
  for (const row of summary.packages) process.stdout.write(`  ${String(row.pct).padStart(5)} %  ${row.name}\n`);
  process.stdout.write('\nself time with native/internal frames charged to their calling package:\n');
  for (const row of summary.callers) process.stdout.write(`  ${String(row.pct).padStart(5)} %  ${row.name}\n`);
  process.stdout.write('\ntop functions by self time:\n');
  for (const row of summary.functions.slice(0, 30)) process.stdout.write(`  ${String(row.pct).padStart(5)} %  ${row.name}\n`);
  process.stdout.write(`\n${path.relative(ROOT, out)}\n`);
}

function save(summary, name) {
  fs.mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  const out = path.join(ROOT, 'bench', 'results', `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
  return out;
}

/** The worker consuming a pre-filled topic (as in B8) under --cpu-prof. */
async function profileWorker(ctx, dir) {
  const { drainAndConsume } = require('./lib/system');
  ctx.workerNodeArgs = ['-r', path.join(__dirname, 'lib', 'exit-on-sigterm.js'), '--cpu-prof', `--cpu-prof-dir=${dir}`];
  await ctx.startApps();
  const pass = await drainAndConsume(ctx, { withBrokerStopped: false });
  await ctx.stopWorker();
  const file = fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .sort()
    .pop();
  const summary = { worker_per_s: pass.worker.per_s, pass, profile: path.relative(ROOT, path.join(dir, file)), ...summarize(path.join(dir, file)) };
  process.stdout.write(`worker events/s during the profile: ${pass.worker.per_s.toFixed(0)}\n`);
  report(summary, save(summary, 'profile-worker'));
}

async function main() {
  const seconds = Number(process.env.PROFILE_SECONDS ?? 20);
  const dir = path.join(ROOT, '.run', 'bench', 'profiles', String(Date.now()));
  fs.mkdirSync(dir, { recursive: true });
  const ctx = new Context();
  try {
    await ctx.prepare();
    if (process.argv.includes('--worker')) return await profileWorker(ctx, dir);
    const platform = await ctx.ensurePlatform();
    await ctx.startWorker();
    await ctx.startApi({}, ['-r', path.join(__dirname, 'lib', 'exit-on-sigterm.js'), '--cpu-prof', `--cpu-prof-dir=${dir}`]);
    const spec = { kind: 'closed', base: ctx.apiBase, route: 'create', platformId: platform.id, key: platform.key, connections: ctx.sizes.concurrency };
    await load({ ...spec, durationS: ctx.sizes.warmupS });
    await waitQuiet(ctx);
    log(`profiling the API under ${seconds} s of creates at c=${ctx.sizes.concurrency}`);
    const before = cpuSnapshot(ctx.api.pid);
    const run = await load({ ...spec, durationS: seconds });
    const cpu = cpuWindow(before, cpuSnapshot(ctx.api.pid));
    process.stdout.write(`API main thread and machine during the profile: ${JSON.stringify(cpu)}\n`);
    await ctx.stopApps();
    const file = fs.readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no profile written in ${dir}`);
    const summary = {
      creates_per_s: run.per_s,
      latency_ms: run.latency_ms,
      cpu,
      profile: path.relative(ROOT, path.join(dir, file)),
      ...summarize(path.join(dir, file)),
    };
    process.stdout.write(`creates/s during the profile: ${run.per_s.toFixed(0)}\n`);
    report(summary, save(summary, 'profile-api'));
  } finally {
    await ctx.stopApps().catch(() => undefined);
    await ctx.kafkaAdmin?.disconnect().catch(() => undefined);
    if (ctx.brokerReady) stopBroker();
  }
}

if (require.main === module) {
  main()
    .catch((error) => {
      log(error instanceof Error ? error.stack : String(error));
      process.exitCode = 1;
    })
    .finally(() => process.exit());
}

module.exports = { summarize };
