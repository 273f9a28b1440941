import { AppConfig, loadConfig } from '@app/config';
import { createKafka, KafkaPublisher } from '@app/kafka';
import { Database } from '@app/persistence';
import { republishEvents } from '@app/publishing';
import { InvalidArgumentError } from 'commander';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { printJson } from '../print-json';

interface Options {
  fromPosition: bigint;
  toPosition?: bigint;
  endUser?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function position(value: string): bigint {
  if (!/^\d{1,18}$/.test(value)) throw new InvalidArgumentError('must be a non-negative integer position');
  return BigInt(value);
}

/** Re-publishes public events (same event ids, `replay: true` header) so a new subscriber can backfill. */
@SubCommand({ name: 'republish', description: 'Publish stored events to the topic again, marked as replays' })
export class RepublishEventsCommand extends CommandRunner {
  constructor(private readonly db: Database) {
    super();
  }

  async run(_: string[], options: Options): Promise<void> {
    const config: AppConfig = loadConfig();
    const publisher = new KafkaPublisher(createKafka(config.KAFKA_BROKERS, `${config.KAFKA_CLIENT_ID}-republish`));
    try {
      const published = await republishEvents(
        this.db,
        publisher,
        config.KAFKA_TOPIC,
        { fromPosition: options.fromPosition, toPosition: options.toPosition, endUserId: options.endUser },
        (count, at) => process.stderr.write(`republished ${count} events (up to position ${at})\n`),
      );
      printJson({ topic: config.KAFKA_TOPIC, republished: published });
    } finally {
      await publisher.close().catch(() => undefined);
    }
  }

  @Option({ flags: '--from-position <n>', description: 'First global position to publish', required: true })
  parseFrom(value: string): bigint {
    return position(value);
  }

  @Option({ flags: '--to-position <n>', description: 'Last global position to publish (default: the head)' })
  parseTo(value: string): bigint {
    return position(value);
  }

  @Option({ flags: '--end-user <id>', description: "Only this end user's events" })
  parseEndUser(value: string): string {
    if (!UUID.test(value)) throw new InvalidArgumentError('must be an end user id (UUID)');
    return value.toLowerCase();
  }
}
