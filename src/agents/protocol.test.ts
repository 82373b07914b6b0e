import { describe, expect, it } from 'vitest';
import { AGENTS_QUEUE, agentsQueueFor, labelsOfQueue, labelsSatisfy } from './protocol.js';

describe('agent label queues', () => {
  it('names one queue per set of required labels, whatever their order, and reads it back', () => {
    expect(agentsQueueFor(undefined)).toBe(AGENTS_QUEUE);
    expect(agentsQueueFor({})).toBe(AGENTS_QUEUE);
    const q = agentsQueueFor({ zone: 'eu west', gpu: 'a100' });
    expect(q).toBe(agentsQueueFor({ gpu: 'a100', zone: 'eu west' }));
    expect(labelsOfQueue(q)).toEqual({ gpu: 'a100', zone: 'eu west' });
    expect(labelsOfQueue(AGENTS_QUEUE)).toEqual({});
    expect(labelsOfQueue('pipelines')).toBeUndefined();
    expect(labelsOfQueue(agentsQueueFor({ 'a&b': 'c=d' }))).toEqual({ 'a&b': 'c=d' });
  });

  it('lets an agent take a task only when it has every required label with the same value', () => {
    expect(labelsSatisfy({ gpu: 'a100', zone: 'eu' }, { gpu: 'a100' })).toBe(true);
    expect(labelsSatisfy({ gpu: 'a100' }, {})).toBe(true);
    expect(labelsSatisfy({ gpu: 't4' }, { gpu: 'a100' })).toBe(false);
    expect(labelsSatisfy({}, { gpu: 'a100' })).toBe(false);
    expect(labelsSatisfy({ gpu: 'a100' }, { gpu: 'a100', zone: 'eu' })).toBe(false);
  });
});
