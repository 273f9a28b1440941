/**
 * How the CLI reports a failure: one plain line, `error: <message>`, with no stack and with every
 * secret of the environment masked. Libraries already keep secrets out of their messages (the
 * configuration names a bad DATABASE_URL without its password); this is the last line of defence,
 * for a driver or broker message that quotes what it was given.
 */

/** Variables whose values are secrets wherever they appear (MCP_CREDENTIALS_KEY, PGPASSWORD, ...). */
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|_KEY|_KEK)$/i;
/** A password in any URL's user info: `scheme://user:password@host`. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]*@/gi;
const MASK = '***';

/** The secret values of an environment: secret-named variables and DATABASE_URL's password. */
export function secretsOf(env: NodeJS.ProcessEnv): string[] {
  const secrets = Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && value)
    .map(([, value]) => value!);
  const databaseUrl = env.DATABASE_URL;
  if (databaseUrl) {
    const url = URL.canParse(databaseUrl) ? new URL(databaseUrl) : undefined;
    // Not a URL with a host (`postgres:/u:pw@db` parses, as a path): its password cannot be told
    // apart from the rest, so all of it is masked.
    if (!url?.host) secrets.push(databaseUrl);
    else secrets.push(url.password, decoded(url.password), url.searchParams.get('password') ?? '');
  }
  // The longest first, so that a secret containing another is masked whole.
  return [...new Set(secrets.filter(Boolean))].sort((a, b) => b.length - a.length);
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function redact(text: string, secrets: readonly string[]): string {
  let redacted = text.replace(URL_PASSWORD, `$1${MASK}@`);
  for (const secret of secrets) redacted = redacted.split(secret).join(MASK);
  return redacted;
}

/** Folds a multi-line message (the configuration lists one problem a line) into one line. */
export function oneLine(text: string): string {
  return text
    .trim()
    .split(/\s*\n\s*/)
    .reduce((line, next) => (line.endsWith(':') || next.startsWith('(') ? `${line} ${next}` : `${line}; ${next}`));
}

/** The message of anything thrown: an error's message (a connection failure's causes), never its stack. */
export function messageOf(error: unknown): string {
  if (error instanceof AggregateError && !error.message) return error.errors.map(messageOf).join('; ');
  if (error instanceof Error) return error.message || (error as { code?: string }).code || error.name;
  return String(error);
}

/** The one line printed for a command that failed. */
export function errorLine(error: unknown, env: NodeJS.ProcessEnv): string {
  return `error: ${oneLine(redact(messageOf(error), secretsOf(env)))}\n`;
}
