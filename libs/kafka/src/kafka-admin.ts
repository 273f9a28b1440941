import { Admin } from 'kafkajs';
import { KafkaClient } from './kafka-connection';

export interface ClusterDescription {
  brokers: number;
  controller: number | null;
}

export interface PartitionLag {
  partition: number;
  /** Messages after the group's committed offset (from the partition's start if it committed none). */
  lag: number;
}

/**
 * The read-only admin operations the apps use (health, lag). Connects on first use; after a failed
 * call it drops the connection, so the next call starts on a fresh one.
 */
export class KafkaAdmin {
  private readonly admin: Admin;
  private connected: Promise<void> | null = null;

  constructor(client: KafkaClient) {
    this.admin = client.kafkajs.admin();
    this.admin.on(this.admin.events.DISCONNECT, () => {
      this.connected = null;
    });
  }

  describeCluster(): Promise<ClusterDescription> {
    return this.call(async (admin) => {
      const cluster = await admin.describeCluster();
      return { brokers: cluster.brokers.length, controller: cluster.controller };
    });
  }

  /** Per partition of `topic`: its latest offset minus what `groupId` committed. */
  consumerLag(groupId: string, topic: string): Promise<PartitionLag[]> {
    return this.call(async (admin) => {
      const [latest, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
      return latest.map(({ partition, low, high }) => {
        const done = committed?.partitions.find((candidate) => candidate.partition === partition);
        const committedOffset = done && Number(done.offset) >= 0 ? Number(done.offset) : Number(low);
        return { partition, lag: Math.max(0, Number(high) - committedOffset) };
      });
    });
  }

  async close(): Promise<void> {
    this.connected = null;
    await this.admin.disconnect();
  }

  private async call<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    try {
      this.connected ??= this.admin.connect();
      await this.connected;
      return await work(this.admin);
    } catch (error) {
      this.connected = null;
      await this.admin.disconnect().catch(() => undefined);
      throw error;
    }
  }
}
