import { decodeEndUserEvent, endUserIdOfStream, EndUserState, evolve, initialState, PersonalFieldCipher } from '@app/end-users';
import type { DataKeys } from '@app/personal-data';

/** A row of the events table as a rebuild reads it; its payload is read only through the event codec. */
export interface EventRow {
  global_position: string;
  stream_id: string;
  stream_version: number;
  event_type: string;
  schema_version: number;
  payload: unknown;
  /** The stream's wrapped data key, on its first event only; null there when the user is erased. */
  kek_id: string | null;
  wrapped_key: Buffer | null;
}

export interface FoldedStream {
  streamId: string;
  state: EndUserState;
  version: number;
  events: number;
}

interface StreamInProgress extends FoldedStream {
  cipher: PersonalFieldCipher | null;
}

/** An event the current code cannot read: a rebuild stops rather than writing a wrong table. */
export class UnapplicableEvent extends Error {
  constructor(row: EventRow, cause: unknown) {
    super(
      `cannot apply event at position ${row.global_position} (${row.stream_id} v${row.stream_version}, ${row.event_type} schema ${row.schema_version}): ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
}

/**
 * Folds rows ordered by (stream_id, stream_version) into one state per stream; a stream whose
 * rows span two pages is carried over to the next `push`. A stream whose data key is destroyed
 * folds without its personal fields: the user is erased, and deleted.
 */
export class StreamFolder {
  private current: StreamInProgress | null = null;

  constructor(private readonly dataKeys: DataKeys) {}

  push(rows: readonly EventRow[]): FoldedStream[] {
    const finished: FoldedStream[] = [];
    for (const row of rows) {
      if (this.current && this.current.streamId !== row.stream_id) {
        finished.push(folded(this.current));
        this.current = null;
      }
      this.current ??= { streamId: row.stream_id, state: initialState(), version: 0, events: 0, cipher: this.cipherOf(row) };
      if (row.stream_version !== this.current.version + 1) {
        throw new UnapplicableEvent(row, new Error(`expected version ${this.current.version + 1}`));
      }
      try {
        const event = decodeEndUserEvent({ type: row.event_type, schemaVersion: row.schema_version, data: row.payload }, this.current.cipher);
        this.current.state = evolve(this.current.state, event);
      } catch (error) {
        throw new UnapplicableEvent(row, error);
      }
      this.current.version = row.stream_version;
      this.current.events++;
    }
    return finished;
  }

  /** The last stream, once no more rows will come. */
  flush(): FoldedStream[] {
    const last = this.current;
    this.current = null;
    return last ? [folded(last)] : [];
  }

  private cipherOf(first: EventRow): PersonalFieldCipher | null {
    if (first.kek_id === null || first.wrapped_key === null) return null;
    return this.dataKeys.uncachedCipherFor(endUserIdOfStream(first.stream_id), { kekId: first.kek_id, wrapped: first.wrapped_key });
  }
}

function folded({ streamId, state, version, events }: StreamInProgress): FoldedStream {
  return { streamId, state, version, events };
}
