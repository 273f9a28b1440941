import { NestFactory } from '@nestjs/core';
import { join } from 'node:path';
import { AppModule } from '../app.module';
import { buildAsyncApiDocument } from './asyncapi';
import { buildOpenApiDocument } from './openapi';
import { projectRoot } from './project-root';
import { toYaml } from './yaml';

export interface InterfaceDocument {
  /** Relative to the project root. */
  path: string;
  text: string;
}

export const OPENAPI_FILE = 'docs/openapi.json';
export const ASYNCAPI_FILE = 'docs/asyncapi.yaml';

export const openApiText = (document: object) => `${JSON.stringify(document, null, 2)}\n`;

/**
 * Both documents as the files hold them. The OpenAPI document needs only the module graph, so
 * the app is created in preview mode: Nest resolves the modules and controllers but instantiates
 * no provider, so no DataSource is initialized and no broker contacted (no database needed).
 */
export async function renderInterfaceDocuments(): Promise<InterfaceDocument[]> {
  const app = await NestFactory.create(AppModule, { preview: true, logger: false, abortOnError: false });
  try {
    return [
      { path: OPENAPI_FILE, text: openApiText(buildOpenApiDocument(app)) },
      { path: ASYNCAPI_FILE, text: toYaml(buildAsyncApiDocument()) },
    ];
  } finally {
    await app.close();
  }
}

export const absolutePath = (document: InterfaceDocument) => join(projectRoot(), document.path);
