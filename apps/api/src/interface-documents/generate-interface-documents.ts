import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { absolutePath, renderInterfaceDocuments } from './interface-documents';

/** `npm run docs:generate`: writes docs/openapi.json and docs/asyncapi.yaml from the code. */
async function main(): Promise<void> {
  for (const document of await renderInterfaceDocuments()) {
    mkdirSync(dirname(absolutePath(document)), { recursive: true });
    writeFileSync(absolutePath(document), document.text);
    process.stdout.write(`wrote ${document.path}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`docs:generate failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
