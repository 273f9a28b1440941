import { LoggerService } from '@nestjs/common';

/**
 * Libraries log through Nest's static Logger (kafkajs's retries, for one), whose default writes to
 * stdout in colour. In the CLI stdout holds only the result and a failure is one line, so their
 * lines are dropped unless `--verbose` asks for them; then warnings and errors go to stderr as
 * plain lines (`[kafkajs] error: ...`). Chatter below warn is always dropped.
 */
export class StderrLogger implements LoggerService {
  enabled = false;

  constructor(private readonly write: (line: string) => void) {}

  log(): void {}

  warn(message: unknown, ...rest: unknown[]): void {
    this.line('warn', [message, ...rest]);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.line('error', [message, ...rest]);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.line('fatal', [message, ...rest]);
  }

  private line(level: string, parts: unknown[]): void {
    if (!this.enabled) return;
    // Nest's Logger passes its context (the logger's name) last.
    const context = parts.length > 1 && typeof parts[parts.length - 1] === 'string' ? parts.pop() : undefined;
    const text = parts
      // A stack trace (Nest passes one after an error's message) is not for the operator.
      .filter((part) => part !== undefined && !(typeof part === 'string' && /\n\s+at /.test(part)))
      .sort((a, b) => Number(typeof a !== 'string') - Number(typeof b !== 'string'))
      .map((part) => (typeof part === 'string' ? part : part instanceof Error ? part.message : JSON.stringify(part)))
      .join(' ');
    this.write(`${context ? `[${String(context)}] ` : ''}${level}: ${text.replace(/\s*\n\s*/g, ' ')}\n`);
  }
}
