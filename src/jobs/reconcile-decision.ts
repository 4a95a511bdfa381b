import type { JobState } from 'bullmq';
import type { JobRunStatus } from './job-status';

/** What Redis says about a BullMQ job; `unknown` means it has no such job. */
export type RedisJobState = JobState | 'unknown';

/** A job run PostgreSQL says is pending or running, with what Redis says. */
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
 * - `stall`: the attempt lost its worker; record it stalled, then run the job
 *   again (`retry`, followed by `enqueue` when Redis lacks it) or fail it
 *   when no attempt is left.
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
