import { randomUUID } from 'node:crypto';
import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module';
import { logLevels } from '../../src/app.setup';
import { Environment, validateEnvironment } from '../../src/config/environment';
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
 * A launcher that records every call and, like the UNIQUE (schedule_id,
 * scheduled_for) key of job_runs, returns the existing job run when a slot is
 * launched again. Shared by several schedulers, it stands for one database.
 */
export class FakeLauncher implements ScheduledJobLauncher {
  readonly calls: LaunchCall[] = [];
  readonly runs = new Map<string, string>();
  /** Slots whose next launch creates the job run and then throws. */
  readonly failAfterCreate = new Set<string>();
  private gate: Promise<void> | null = null;

  async launch(schedule: Schedule, slotAt: Date): Promise<LaunchResult> {
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

/**
 * A worker-side process running only the scheduler, with a fake launcher and
 * a given clock. With `tickMs` 0 (the default) its timer is off and the test
 * ticks it by hand.
 */
export class SchedulerProcess {
  private constructor(
    private readonly context: INestApplicationContext,
    readonly scheduler: SchedulerService,
  ) {}

  static async start(
    launcher: FakeLauncher,
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
      .useValue(launcher)
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
