import { spawn } from 'node:child_process';
import path from 'node:path';
import { FAULTS, ROOT } from './env';

/** Runs one of the project's scripts in its own process group; resolves with its output. */
export function runScript(script: string, args: string[] = [], env: Record<string, string> = {}, timeoutMs = 180_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(ROOT, script), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${script} ${args.join(' ')} exited with ${code}:\n${output}`));
    });
  });
}

/** Runs one of the project's node scripts; resolves with its output. */
export function runNode(script: string, env: Record<string, string> = {}, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, script)], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${script} exited with ${code}:\n${output}`));
    });
  });
}

const brokerEnv = () => ({
  KAFKA_PORT: String(FAULTS.kafkaPort),
  KAFKA_CONTROLLER_PORT: String(FAULTS.kafkaControllerPort),
  KAFKA_RUN_DIR: FAULTS.kafkaRunDir,
  // start.sh checks the project's default topics; the scenarios create their own.
  KAFKA_TOPIC: 'faults.bootstrap',
  KAFKA_BROKERS: `127.0.0.1:${FAULTS.kafkaPort}`,
});

/** The suite's private broker, stopped and started with the project's own scripts (SIGTERM by pid file). */
export const faultsBroker = {
  stop: () => runScript('scripts/kafka/stop.sh', [], brokerEnv()),
  start: () => runScript('scripts/kafka/start.sh', [], brokerEnv()),
};

/** The suite's private PostgreSQL cluster (scripts/faults/pg.sh). */
export const faultsPostgres = {
  restartFast: (downSeconds = 0) =>
    runScript('scripts/faults/pg.sh', ['restart-fast'], { FAULTS_PG_DOWN_SECONDS: String(downSeconds), FAULTS_PG_PORT: String(FAULTS.pgPort) }),
  restartImmediate: (downSeconds = 0) =>
    runScript('scripts/faults/pg.sh', ['restart-immediate'], { FAULTS_PG_DOWN_SECONDS: String(downSeconds), FAULTS_PG_PORT: String(FAULTS.pgPort) }),
};

/** The broker of scenario 10, which advertises the fault proxy's port (scripts/faults/kafka-behind-proxy.sh). */
export const proxiedBroker = {
  ports: {
    listener: Number(process.env.FAULTS_PROXIED_KAFKA_PORT ?? 29192),
    controller: Number(process.env.FAULTS_PROXIED_KAFKA_CONTROLLER_PORT ?? 29193),
    advertised: Number(process.env.FAULTS_PROXIED_KAFKA_ADVERTISED_PORT ?? 29194),
  },
  start: () => runScript('scripts/faults/kafka-behind-proxy.sh', ['start']),
  stop: () => runScript('scripts/faults/kafka-behind-proxy.sh', ['stop']),
};
