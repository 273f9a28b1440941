import { MessagePublisher } from '@app/kafka';
import { KafkaMessage } from 'kafkajs';

export interface DeadLetterOrigin {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

/** Sends a message that cannot be processed to the dead-letter topic, as it was, with its origin and error. */
export async function sendToDeadLetter(
  publisher: MessagePublisher,
  deadLetterTopic: string,
  origin: DeadLetterOrigin,
  error: Error,
  attempts: number,
): Promise<void> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(origin.message.headers ?? {})) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  }
  headers['dlt.origin.topic'] = origin.topic;
  headers['dlt.origin.partition'] = String(origin.partition);
  headers['dlt.origin.offset'] = origin.message.offset;
  headers['dlt.error'] = `${error.name}: ${error.message}`.slice(0, 2000);
  headers['dlt.attempts'] = String(attempts);
  await publisher.publish(deadLetterTopic, [{ key: origin.message.key?.toString('utf8') ?? '', value: origin.message.value?.toString('utf8') ?? '', headers }]);
}
