/** @module What the supervisor reports to, whatever stores it (the jobs API, a test's memory). */
import type { Failure } from './root-cause.js';

export const JOB_STATES = ['pending', 'running', 'restarting', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const TERMINAL: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

export interface CheckpointInfo {
  step: number;
  path: string;
  sha256: string;
}

export interface MetricLine {
  metrics: Record<string, number>;
  step?: number;
  timestamp?: number;
}

export interface TransitionDetail {
  attempt: number;
  failure?: Failure;
  [k: string]: unknown;
}

export interface JobRecorder {
  transition(to: JobState, detail: TransitionDetail): Promise<void>;
  event(kind: string, detail: Record<string, unknown>): Promise<void>;
  /** Liveness of the supervisor; answers whether someone asked to cancel. */
  heartbeat(): Promise<{ cancelRequested: boolean }>;
  metrics(lines: MetricLine[]): Promise<void>;
  checkpoint(c: CheckpointInfo): Promise<void>;
  attachLogs(attempt: number, files: { rank: number; stream: 'stdout' | 'stderr'; path: string }[]): Promise<void>;
  /** New lines of the running attempt's rank logs (optional: a recorder without it shows logs when the attempt ends). */
  liveLogs?(attempt: number, chunks: { rank: number; stream: 'stdout' | 'stderr'; offset: number; text: string }[]): Promise<void>;
}
