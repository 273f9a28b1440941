import { INestApplication } from '@nestjs/common';
import { Server } from 'node:http';
import { createHttpApp } from '../../apps/api/src/http-app';

export interface RunningApi {
  app: INestApplication;
  server: Server;
  close(): Promise<void>;
}

/** The real API app (same bootstrap as main.ts) on an ephemeral port. */
export async function startApi(): Promise<RunningApi> {
  const app = await createHttpApp();
  app.useLogger(['error']);
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as Server;
  return { app, server, close: () => app.close() };
}

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
