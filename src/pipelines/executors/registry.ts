/**
 * @module Executors by name: `--executor local|agents|kubernetes` resolves here. `local` is built
 * in; the agents and Kubernetes executors register themselves from their own folders (their
 * index.ts calls `registerExecutor`), so this file never imports them.
 */
import { InvalidParameter } from '../../core/errors.js';
import type { ExecutorFactory } from './executor.js';

const factories = new Map<string, ExecutorFactory>();
/** Modules that register the named executor when imported (loaded on first use). */
const lazy = new Map<string, () => Promise<unknown>>();

export function registerExecutor(name: string, factory: ExecutorFactory): void {
  factories.set(name, factory);
}

/** Declares where an executor lives without importing it yet (keeps `@kubernetes/client-node` off the start path). */
export function registerLazyExecutor(name: string, load: () => Promise<unknown>): void {
  lazy.set(name, load);
}

export async function executorFactory(name: string): Promise<ExecutorFactory> {
  if (!factories.has(name) && lazy.has(name)) await lazy.get(name)!();
  const f = factories.get(name);
  if (!f) throw new InvalidParameter(`Unknown executor '${name}': use one of ${[...new Set([...factories.keys(), ...lazy.keys()])].join(', ')}.`);
  return f;
}

export function executorNames(): string[] {
  return [...new Set([...factories.keys(), ...lazy.keys()])];
}
