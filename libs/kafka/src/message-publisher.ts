import { Partitioners, Producer } from 'kafkajs';
import { KafkaClient } from './kafka-connection';

export interface OutgoingMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** Resolves only once the broker has acknowledged every message (acks=all). */
export interface MessagePublisher {
  publish(topic: string, messages: OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * An idempotent producer: per-partition order holds across retries (one request in flight),
 * and a retried batch is never written twice by the broker.
 */
export class KafkaPublisher implements MessagePublisher {
  private readonly producer: Producer;
  private connected: Promise<void> | null = null;

  constructor(client: KafkaClient) {
    this.producer = client.kafkajs.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.connected = null;
    });
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.connect();
    await this.producer.send({ topic, acks: -1, messages });
  }

  async close(): Promise<void> {
    this.connected = null;
    await this.producer.disconnect();
  }

  /** Connects now rather than on the first publish (publish connects by itself): to fail early on a wrong broker. */
  connect(): Promise<void> {
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = null;
      throw error;
    });
    return this.connected;
  }
}
