import { ConsumedMessage, MessagePublisher } from '@app/kafka';

/** Sends a message that cannot be processed to the dead-letter topic, as it was, with its origin and error. */
export async function sendToDeadLetter(
  publisher: MessagePublisher,
  deadLetterTopic: string,
  origin: ConsumedMessage,
  error: Error,
  attempts: number,
): Promise<void> {
  const headers: Record<string, string> = { ...origin.headers };
  headers['dlt.origin.topic'] = origin.topic;
  headers['dlt.origin.partition'] = String(origin.partition);
  headers['dlt.origin.offset'] = origin.offset;
  headers['dlt.error'] = `${error.name}: ${error.message}`.slice(0, 2000);
  headers['dlt.attempts'] = String(attempts);
  await publisher.publish(deadLetterTopic, [{ key: origin.key ?? '', value: origin.value?.toString('utf8') ?? '', headers }]);
}
