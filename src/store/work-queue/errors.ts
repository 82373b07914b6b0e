import { AppError, InvalidParameter } from '../../core/errors.js';

/**
 * The worker's lease on an item is gone: it expired and was reaped (and maybe claimed by another
 * worker), the item was completed, or the token is wrong. The worker must stop: its result would
 * be a second completion.
 */
export class LeaseLost extends AppError {
  constructor(id: number, why: string) {
    super('RESOURCE_CONFLICT', `Work item ${id}: lease lost (${why}); another worker may hold it now. Stop working on it.`);
    this.name = 'LeaseLost';
  }
}

export function checkQueueName(queue: string): void {
  if (typeof queue !== 'string' || !queue || queue.length > 200) throw new InvalidParameter(`Queue name must be a non-empty string of at most 200 characters, got ${JSON.stringify(queue)}.`);
}
