type WarningEmitter = Pick<NodeJS.Process, 'emitWarning'>;

const silenced = new WeakSet<WarningEmitter>();

/**
 * kafkajs 2.2.4 (its last release) schedules timers with negative delays (tulios/kafkajs#1751).
 * Node.js clamps such a delay to 1 ms, as it always did, and since Node.js 24 also prints a
 * TimeoutNegativeWarning to stderr: noise in every log and in the CLI's output. This drops that
 * one warning type, for as long as kafkajs is the client; every other warning goes through.
 */
export function silenceNegativeTimeoutWarnings(target: WarningEmitter = process): void {
  if (silenced.has(target)) return;
  silenced.add(target);
  const emitWarning = target.emitWarning.bind(target) as (...args: unknown[]) => void;
  target.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const options = rest[0];
    const type = typeof options === 'string' ? options : (options as { type?: unknown } | undefined)?.type;
    if (type === 'TimeoutNegativeWarning') return;
    emitWarning(warning, ...rest);
  }) as NodeJS.Process['emitWarning'];
}
