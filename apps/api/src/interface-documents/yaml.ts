/**
 * Block-style YAML for JSON data, enough for a readable docs/asyncapi.yaml without a YAML
 * dependency. A string is written plain only when YAML cannot read it as anything else;
 * otherwise it is a JSON string, which is a valid YAML double-quoted scalar.
 */
const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_.$/-]*$/;
const PLAIN_VALUE = /^[A-Za-z_$][A-Za-z0-9_.$/ ,;()'`+-]*$/;
// YAML 1.1 readers still take these for booleans or null.
const RESERVED = /^(y|n|yes|no|on|off|true|false|null)$/i;

function scalar(value: unknown, plain: RegExp): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not JSON: ${value}`);
    return String(value);
  }
  if (typeof value === 'string') return plain.test(value) && !value.endsWith(' ') && !RESERVED.test(value) ? value : JSON.stringify(value);
  throw new Error(`not JSON: ${typeof value}`);
}

const isCollection = (value: unknown): value is object => value !== null && typeof value === 'object';
const isEmpty = (value: object) => (Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0);

function inline(value: unknown): string {
  if (isCollection(value)) return Array.isArray(value) ? '[]' : '{}';
  return scalar(value, PLAIN_VALUE);
}

function block(value: object, indent: number): string[] {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    return value.flatMap((item: unknown) => {
      if (!isCollection(item) || isEmpty(item)) return [`${pad}- ${inline(item)}`];
      const lines = block(item, indent + 2);
      lines[0] = `${pad}- ${lines[0].trimStart()}`;
      return lines;
    });
  }
  return Object.entries(value).flatMap(([key, item]: [string, unknown]) => {
    const name = scalar(key, PLAIN_KEY);
    if (item === undefined) return [];
    if (!isCollection(item) || isEmpty(item)) return [`${pad}${name}: ${inline(item)}`];
    return [`${pad}${name}:`, ...block(item, indent + 2)];
  });
}

/** The document as YAML, ending with a newline. */
export function toYaml(document: object): string {
  return `${block(document, 0).join('\n')}\n`;
}
