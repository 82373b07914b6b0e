/** @module NopPruner: never prunes (the default when no pruner is given). */
import type { Pruner } from './pruner.js';

export class NopPruner implements Pruner {
  prune(): boolean {
    return false;
  }

  view(): { kind: 'nop' } {
    return { kind: 'nop' };
  }
}
