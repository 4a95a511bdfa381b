import type { JobState } from 'bullmq';
import type { JobRunStatus } from './job-status';

/** State of a BullMQ job in Redis, `unknown` when Redis has no such job. */
export type RedisJobState = JobState | 'unknown';

/** A job run pending or running in PostgreSQL, with its state in Redis. */
export interface ReconcileCandidate {
  status: Extract<JobRunStatus, 'queued' | 'delayed' | 'active'>;
  attemptsMade: number;
  maxAttempts: number;
  redisState: RedisJobState;
  /** For an active run: the worker of its current attempt stopped reporting. */
  workerDead: boolean;
}

/**
 * - `keep`: Redis will deliver the job, or its live worker still runs it.
 * - `enqueue`: add it to BullMQ; `replace` first removes the finished BullMQ
 *   job of the same id, which would otherwise make the add a no-op.
 * - `stall`: the attempt lost its worker, so record it stalled. Then run the
 *   job again (`retry`, and `enqueue` when Redis lacks it), or fail it when
 *   no attempt is left.
 */
export type ReconcileAction =
  | { kind: 'keep' }
  | { kind: 'enqueue'; replace: boolean }
  | { kind: 'stall'; retry: boolean; enqueue: boolean; replace: boolean };

/** States in which BullMQ will still deliver, or is delivering, the job. */
const LIVE_STATES: ReadonlySet<RedisJobState> = new Set<RedisJobState>([
  'waiting',
  'waiting-children',
  'prioritized',
  'delayed',
  'active',
]);

/** Decides what the reconciler does with one job run. */
export function reconcileAction(run: ReconcileCandidate): ReconcileAction {
  const live = LIVE_STATES.has(run.redisState);
  const replace = run.redisState === 'completed' || run.redisState === 'failed';

  switch (run.status) {
    case 'queued':
    case 'delayed':
      return live ? { kind: 'keep' } : { kind: 'enqueue', replace };
    case 'active': {
      if (!run.workerDead) return { kind: 'keep' };
      const retry = run.attemptsMade < run.maxAttempts;

      return { kind: 'stall', retry, enqueue: retry && !live, replace };
    }
  }
}
