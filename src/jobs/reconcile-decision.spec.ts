import {
  ReconcileCandidate,
  reconcileAction,
  RedisJobState,
} from './reconcile-decision';

const pending = (
  status: 'queued' | 'delayed',
  redisState: RedisJobState,
): ReconcileCandidate => ({
  status,
  attemptsMade: 0,
  maxAttempts: 1,
  redisState,
  workerDead: false,
});

const active = (
  redisState: RedisJobState,
  workerDead: boolean,
  attemptsMade = 1,
  maxAttempts = 3,
): ReconcileCandidate => ({
  status: 'active',
  attemptsMade,
  maxAttempts,
  redisState,
  workerDead,
});

describe(reconcileAction.name, () => {
  it.each(['waiting', 'delayed', 'prioritized', 'active'] as const)(
    'keeps a queued run that Redis holds as %s',
    (state) => {
      expect(reconcileAction(pending('queued', state))).toEqual({
        kind: 'keep',
      });
    },
  );

  it('enqueues a delayed run that Redis lost', () => {
    expect(reconcileAction(pending('delayed', 'unknown'))).toEqual({
      kind: 'enqueue',
      replace: false,
    });
  });

  it.each(['completed', 'failed'] as const)(
    'replaces the %s BullMQ job of a run PostgreSQL says is queued',
    (state) => {
      expect(reconcileAction(pending('queued', state))).toEqual({
        kind: 'enqueue',
        replace: true,
      });
    },
  );

  it('keeps an active run whose worker reports, even if Redis lost it', () => {
    expect(reconcileAction(active('unknown', false))).toEqual({
      kind: 'keep',
    });
  });

  it('stalls and re-enqueues the attempt of a dead worker Redis lost', () => {
    expect(reconcileAction(active('unknown', true))).toEqual({
      kind: 'stall',
      retry: true,
      enqueue: true,
      replace: false,
    });
  });

  it('stalls without enqueueing when BullMQ still holds the job', () => {
    expect(reconcileAction(active('active', true))).toEqual({
      kind: 'stall',
      retry: true,
      enqueue: false,
      replace: false,
    });
  });

  it('replaces the job BullMQ failed after the worker died', () => {
    expect(reconcileAction(active('failed', true))).toEqual({
      kind: 'stall',
      retry: true,
      enqueue: true,
      replace: true,
    });
  });

  it('fails the run when the stalled attempt was its last', () => {
    expect(reconcileAction(active('unknown', true, 2, 2))).toEqual({
      kind: 'stall',
      retry: false,
      enqueue: false,
      replace: false,
    });
  });
});
