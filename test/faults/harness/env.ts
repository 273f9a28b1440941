import path from 'node:path';

/**
 * Where the fault suite's private services are. scripts/faults/run.sh starts them and exports
 * these variables; the defaults match its defaults. Nothing here points at the shared PostgreSQL
 * (5432) or the shared broker (9092).
 */
export const ROOT = path.resolve(__dirname, '../../..');

export const FAULTS = {
  runDir: process.env.FAULTS_RUN_DIR ?? path.join(ROOT, '.run/faults'),
  pgPort: Number(process.env.FAULTS_PG_PORT ?? 55432),
  kafkaPort: Number(process.env.FAULTS_KAFKA_PORT ?? 29092),
  kafkaControllerPort: Number(process.env.FAULTS_KAFKA_CONTROLLER_PORT ?? 29093),
  kafkaRunDir: process.env.FAULTS_KAFKA_RUN_DIR ?? path.join(ROOT, '.run/faults/kafka'),
  /** Names topics and consumer groups apart from those of earlier runs against the same broker. */
  runId: process.env.FAULTS_RUN_ID ?? String(Date.now()),
};

export const kafkaBrokers = () => `127.0.0.1:${FAULTS.kafkaPort}`;
export const databaseUrl = (database: string, port = FAULTS.pgPort) => `postgres://postgres@127.0.0.1:${port}/${database}`;
export const resultsDir = () => path.join(FAULTS.runDir, 'results');
export const logsDir = (scenario: string) => path.join(FAULTS.runDir, 'logs', scenario);

/** Refuses to run against the shared services: a fault scenario restarts and cuts what it uses. */
export function assertPrivateServices(): void {
  if (FAULTS.pgPort === 5432)
    throw new Error('FAULTS_PG_PORT is 5432, the shared PostgreSQL: the fault suite only runs against its own cluster (scripts/faults/run.sh)');
  if (FAULTS.kafkaPort === 9092)
    throw new Error('FAULTS_KAFKA_PORT is 9092, the shared broker: the fault suite only runs against its own broker (scripts/faults/run.sh)');
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
