import { randomBytes, randomUUID } from 'node:crypto';

/** A run id as MLflow makes it: uuid4 as 32 lowercase hex characters. */
export function newRunId(): string {
  return randomUUID().replace(/-/g, '');
}

export function newId(prefix = ''): string {
  return prefix + randomBytes(16).toString('hex');
}

const ADJECTIVES = ['amber', 'bold', 'brisk', 'calm', 'clever', 'dapper', 'eager', 'gentle', 'glad', 'keen', 'lucid', 'merry', 'nimble', 'quiet', 'rapid', 'sunny', 'tidy', 'vivid', 'wise', 'zesty'];
const NOUNS = ['badger', 'bison', 'crane', 'dove', 'falcon', 'ferret', 'fox', 'gecko', 'heron', 'ibis', 'lark', 'lynx', 'moth', 'newt', 'otter', 'owl', 'panda', 'robin', 'seal', 'wren'];

/** A readable default run name (MLflow gives unnamed runs one too), e.g. `brisk-otter-417`. */
export function randomRunName(): string {
  const b = randomBytes(3);
  return `${ADJECTIVES[b[0]! % ADJECTIVES.length]}-${NOUNS[b[1]! % NOUNS.length]}-${(b[2]! * 4) % 1000}`;
}
