import { createKafka, KafkaPublisher } from '@app/kafka';
import { republishEvents } from '@app/outbox';
import { Option } from 'commander';
import { CliCommand } from '../cli-command';
import { position, uuid } from '../option-parsers';

interface Options {
  fromPosition: bigint;
  toPosition?: bigint;
  endUser?: string;
}

/** Re-publishes public events (same event ids, `replay: true` header) so a new subscriber can backfill. */
export const republishEventsCommand: CliCommand<Options> = {
  path: ['events', 'republish'],
  description: 'Publish stored events to the topic again, marked as replays',
  options: [
    new Option('--from-position <n>', 'First global position to publish').makeOptionMandatory().argParser(position),
    new Option('--to-position <n>', 'Last global position to publish (default: the head)').argParser(position),
    new Option('--end-user <id>', "Only this end user's events").argParser(uuid('an end user id')),
  ],
  async run({ config, database, dataKeys, printJson, note }, options) {
    const publisher = new KafkaPublisher(createKafka(config.KAFKA_BROKERS, `${config.KAFKA_CLIENT_ID}-republish`));
    try {
      // A wrong or unreachable broker fails the command even when the range holds nothing to send.
      await publisher.connect();
      const published = await republishEvents(
        database,
        dataKeys,
        publisher,
        config.KAFKA_TOPIC,
        { fromPosition: options.fromPosition, toPosition: options.toPosition, endUserId: options.endUser },
        (count, at) => note(`republished ${count} events (up to position ${at})`),
      );
      printJson({ topic: config.KAFKA_TOPIC, republished: published });
    } finally {
      await publisher.close().catch(() => undefined);
    }
  },
};
