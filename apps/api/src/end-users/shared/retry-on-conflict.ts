import { StreamVersionConflict } from '@app/event-store';

const MAX_ATTEMPTS = 8;

/**
 * Re-runs a whole load-decide-append transaction when another writer appended first. Only for
 * writes that carry no expected version from the client: each retry decides on fresh state.
 */
export async function retryOnConflict<T>(attempt: () => Promise<T>, retryAlso: (error: unknown) => boolean = () => false): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      const retryable = error instanceof StreamVersionConflict || retryAlso(error);
      if (!retryable || tries >= MAX_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * tries));
    }
  }
}
