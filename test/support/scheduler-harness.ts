import { randomUUID } from 'node:crypto';
import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource, type EntityManager } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { logLevels } from '../../src/app.setup';
import { Environment, validateEnvironment } from '../../src/config/environment';
import { JobSubmissionService } from '../../src/jobs/job-submission.service';
import { JobSubmissionLauncher } from '../../src/scheduler/job-submission-launcher';
import type { Schedule } from '../../src/scheduler/schedule.entity';
import {
  LaunchResult,
  SCHEDULED_JOB_LAUNCHER,
  ScheduledJobLauncher,
} from '../../src/scheduler/scheduled-job-launcher';
import {
  SCHEDULER_CLOCK,
  SchedulerClock,
} from '../../src/scheduler/scheduler-clock';
import { SchedulerService } from '../../src/scheduler/scheduler.service';
import { SchedulerWorkerModule } from '../../src/scheduler/scheduler-worker.module';

export interface LaunchCall {
  scheduleId: string;
  slotAt: string;
}

/**
 * A launcher that records every call and returns the existing job run when a
 * slot is launched again, like the UNIQUE (schedule_id, scheduled_for) key of
 * job_runs. Its runs outlive a rolled-back transaction, which makes it the
 * harder case for the scheduler. Shared by several schedulers, it stands for
 * one database.
 */
export class FakeLauncher implements ScheduledJobLauncher {
  readonly calls: LaunchCall[] = [];
  readonly runs = new Map<string, string>();
  /** Slots whose next launch creates the job run and then throws. */
  readonly failAfterCreate = new Set<string>();
  private gate: Promise<void> | null = null;

  /** Job run ids handed over after a commit, in order. */
  readonly dispatched: string[] = [];

  async launch(
    _manager: EntityManager,
    schedule: Schedule,
    slotAt: Date,
  ): Promise<LaunchResult> {
    const key = `${schedule.id}|${slotAt.toISOString()}`;
    this.calls.push({ scheduleId: schedule.id, slotAt: slotAt.toISOString() });
    if (this.gate) await this.gate;

    const existing = this.runs.get(key);
    const jobRunId = existing ?? randomUUID();
    this.runs.set(key, jobRunId);
    if (this.failAfterCreate.delete(key)) {
      throw new Error(`launch of ${key} failed after creating its job run`);
    }

    return { jobRunId, created: existing === undefined };
  }

  dispatch(jobRunIds: string[]): Promise<void> {
    this.dispatched.push(...jobRunIds);

    return Promise.resolve();
  }

  /** Makes launches wait until the returned function is called. */
  hold(): () => void {
    let release = () => {};
    this.gate = new Promise<void>((resolve) => {
      release = () => {
        this.gate = null;
        resolve();
      };
    });

    return release;
  }

  slotsOf(scheduleId: string): string[] {
    return this.calls
      .filter((call) => call.scheduleId === scheduleId)
      .map((call) => call.slotAt);
  }
}

/** A clock that moves only when a test moves it. */
export class FakeClock implements SchedulerClock {
  constructor(private current: Date) {}

  now(): Date {
    return new Date(this.current);
  }

  set(at: Date): void {
    this.current = new Date(at);
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** Wraps the real launcher of a scheduler process. */
export type LauncherWrapper = (
  real: JobSubmissionLauncher,
) => ScheduledJobLauncher;

/**
 * Throws after the real launcher stored the job run of each slot in
 * `failAfter` once, as a scheduler that fails later in its transaction.
 */
export function failingAfterLaunch(failAfter: Set<string>): LauncherWrapper {
  return (real) => ({
    async launch(manager, schedule, slotAt) {
      const result = await real.launch(manager, schedule, slotAt);
      if (failAfter.delete(`${schedule.id}|${slotAt.toISOString()}`)) {
        throw new Error(`Slot ${slotAt.toISOString()} failed after its launch`);
      }

      return result;
    },
    dispatch: (jobRunIds) => real.dispatch(jobRunIds),
  });
}

/**
 * A worker-side process running only the scheduler, with a given launcher
 * (a fake, or a wrapper of the real one) and clock. With `tickMs` 0 (the
 * default) its timer is off and the test ticks it by hand.
 */
export class SchedulerProcess {
  private constructor(
    private readonly context: INestApplicationContext,
    readonly scheduler: SchedulerService,
  ) {}

  static async start(
    launcher: ScheduledJobLauncher | LauncherWrapper,
    clock: SchedulerClock,
    tickMs = 0,
  ): Promise<SchedulerProcess> {
    // ConfigModule reads process.env once per test file, so the tick period
    // is set on the Environment provider itself.
    const environment = validateEnvironment(process.env);
    environment.SCHEDULER_TICK_MS = tickMs;
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppModule.register({ api: false, worker: false }),
        SchedulerWorkerModule,
      ],
    })
      .overrideProvider(SCHEDULED_JOB_LAUNCHER)
      .useFactory({
        factory: (dataSource: DataSource, submission: JobSubmissionService) =>
          typeof launcher === 'function'
            ? launcher(new JobSubmissionLauncher(dataSource, submission))
            : launcher,
        inject: [DataSource, JobSubmissionService],
      })
      .overrideProvider(SCHEDULER_CLOCK)
      .useValue(clock)
      .overrideProvider(Environment)
      .useValue(environment)
      .compile();
    moduleRef.useLogger(logLevels(environment.LOG_LEVEL));
    const context = await moduleRef.init();

    return new SchedulerProcess(context, context.get(SchedulerService));
  }

  tick(): Promise<string[]> {
    return this.scheduler.tick();
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
