import { INestApplication } from '@nestjs/common';
import { Server } from 'node:http';
import supertest, { Response } from 'supertest';
import { createHttpApp } from '../../apps/api/src/http-app';
import { assertDocumented } from './openapi-responses';

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
  checkedServers.add(server);
  return { app, server, close: () => app.close() };
}

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

/**
 * Every response a test receives from an API started here is checked against docs/openapi.json
 * (test/support/openapi-responses.ts) before the test sees it: supertest's `assert` step, which
 * every request runs once its response is in, fails the request with what the document does not
 * describe. So each e2e suite is checked without a line of its own.
 */
const checkedServers = new WeakSet<object>();
const checkedOrigins = new Set<string>();

/** Checks the responses of an API running as its own process too (requests made with `request(baseUrl)`). */
export function checkResponsesOf(baseUrl: string): void {
  checkedOrigins.add(new URL(baseUrl).origin);
}

const isChecked = (app: unknown) => (typeof app === 'string' ? checkedOrigins.has(new URL(app).origin) : checkedServers.has(app as object));

type Settle = (error: Error | null, res: Response) => void;
interface SupertestTest {
  app: unknown;
  method: string;
  url: string;
  assert(resError: Error | null, res: Response, fn: Settle): void;
}

const prototype = supertest.Test.prototype as unknown as SupertestTest & { openApiResponseCheck?: true };
if (!prototype.openApiResponseCheck) {
  prototype.openApiResponseCheck = true;
  const assert = prototype.assert;
  prototype.assert = function (this: SupertestTest, resError, res, fn) {
    assert.call(this, resError, res, (error, response) => {
      if (!error && response && isChecked(this.app)) {
        try {
          assertDocumented({
            method: this.method,
            url: requestTarget(response) ?? this.url,
            status: response.status,
            headers: response.headers,
            text: response.text ?? '',
          });
        } catch (mismatch) {
          error = mismatch as Error;
        }
      }
      fn.call(this, error, response);
    });
  };
}

/** The request-target the client put on the wire (superagent keeps Node's ClientRequest on the response). */
const requestTarget = (res: Response) => (res as unknown as { req?: { path?: string } }).req?.path;
