/** Command results go to stdout as one JSON document, so scripts can pipe them into jq. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
