import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const MAIN = path.join(ROOT, 'dist/apps/cli/src/main.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A database no one listens on, with a password that must never be printed. */
export const UNREACHABLE_DATABASE = { DATABASE_URL: 'postgres://operator:s3cret-pw@127.0.0.1:1/end_users' };

/**
 * Runs the built CLI (`npm run build`) as an operator does, as its own process, with the test
 * environment (test database, topic) plus `env`.
 */
export function runBuiltCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first (scripts/test.sh does)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A command line (`npm run --silent cli -- ...`, in a code block) of the README or docs: its command words and the options it uses. */
export interface DocumentedCliLine {
  line: string;
  command: string[];
  options: string[];
}

export function documentedCliLines(): DocumentedCliLine[] {
  const prefix = 'npm run --silent cli -- ';
  const files = [
    'README.md',
    ...fs
      .readdirSync(path.join(ROOT, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
  ];
  return files.flatMap((file) =>
    fs
      .readFileSync(path.join(ROOT, file), 'utf8')
      .split('\n')
      .filter((line) => /^\s*(\$ )?npm run --silent cli -- /.test(line))
      .map((line) => {
        const args = [
          ...line
            .slice(line.indexOf(prefix) + prefix.length)
            .replace(/\s+#.*$/, '')
            .matchAll(/"([^"]*)"|(\S+)/g),
        ].map((match) => match[1] ?? match[2]);
        const firstOption = args.findIndex((arg) => arg.startsWith('-'));
        return {
          line: `${file}: ${line.trim()}`,
          command: firstOption === -1 ? args : args.slice(0, firstOption),
          options: args.filter((arg) => arg.startsWith('--')),
        };
      }),
  );
}
