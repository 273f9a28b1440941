/**
 * PostgreSQL text and jsonb cannot hold NUL characters, and jsonb refuses unpaired UTF-16
 * surrogates. Input holding either is refused up front with the path of the offending value.
 */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const MAX_JSON_DEPTH = 32;

export type TextProblem = { path: string; issue: 'invalid_character' | 'too_deep' };

export function findUnstorableText(value: unknown, path = '', depth = 0): TextProblem | null {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? { path, issue: 'invalid_character' } : null;
  if (value === null || typeof value !== 'object') return null;
  if (depth > MAX_JSON_DEPTH) return { path, issue: 'too_deep' };
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((item, index) => [String(index), item]) : Object.entries(value);
  for (const [key, item] of entries) {
    const itemPath = path ? `${path}.${key}` : key;
    if (!Array.isArray(value) && UNSTORABLE.test(key)) return { path: itemPath, issue: 'invalid_character' };
    const problem = findUnstorableText(item, itemPath, depth + 1);
    if (problem) return problem;
  }
  return null;
}
