import { Command, CommandRunner } from 'nest-commander';
import { RepublishEventsCommand } from './republish-events.command';

@Command({ name: 'events', description: 'Work with the event store', subCommands: [RepublishEventsCommand] })
export class EventsCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
