type Listener = () => void;

/**
 * In-process wake-up for the relay: the appending code calls `notify()` after its transaction
 * commits, so a relay in the same process publishes at once instead of at its next poll.
 * (NOTIFY would work across processes but takes a global lock at commit.)
 */
class OutboxSignal {
  private listeners = new Set<Listener>();

  notify(): void {
    for (const listener of this.listeners) listener();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export const outboxSignal = new OutboxSignal();
