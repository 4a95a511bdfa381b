import { Logger } from '@nestjs/common';
import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { measureAlternately } from '../support/alternate';
import { BenchApp } from '../support/bench-app';
import {
  JOB_CONCURRENCY,
  type BenchEnvironment,
} from '../support/bench-environment';
import { findProviderByName } from '../support/chronicle-provider';
import type { JobsResult } from '../support/results';
import { CpuMeter } from '../support/cpu-meter';
import { RssSampler } from '../support/rss-sampler';

/** Jobs per addBulk or submitBulk call, within the default JOB_BULK_MAX. */
const CHUNK = 500;
const ROUND_TIMEOUT_MS = 120_000;
const POLL_INTERVAL_MS = 20;
const NOOP_TYPE = 'system.noop';

const SIZES = {
  quick: { jobsPerRound: 1000, rounds: 3 },
  full: { jobsPerRound: 5000, rounds: 5 },
};

/**
 * The part of JobSubmissionService (src/jobs/job-submission.service.ts) that
 * the bench calls. It is looked up by class name, so that a missing jobs
 * module fails this part with a message instead of failing the build.
 */
interface JobSubmissionService {
  submitBulk(
    requests: { type: string; payload: object }[],
    options: { submittedBy: string | null; source: 'http' },
  ): Promise<{ job: { id: string } }[]>;
}

/** The part of MetricsService (src/metrics/metrics.service.ts) the bench reads. */
interface MetricsService {
  render(): Promise<string>;
}

const logger = new Logger('Bench:jobs');

/**
 * Measures no-op jobs enqueued and processed end to end: a plain BullMQ
 * Queue and Worker, against Chronicle's submission service and worker with
 * its job run history, alternately, on the same Redis with the same
 * concurrency.
 *
 * The Chronicle application runs in this process, so the peak RSS figures
 * are of this one process while each variant runs.
 */
export async function benchJobs(
  environment: BenchEnvironment,
  quick: boolean,
): Promise<JobsResult> {
  const size = quick ? SIZES.quick : SIZES.full;
  const app = await BenchApp.start({ api: true, worker: true });
  const baseline = new BullmqBaseline(environment);
  const client = new Client({ connectionString: environment.databaseUrl });
  await client.connect();
  try {
    const chronicle = await ChronicleJobs.create(app, client);
    const peaks = { baseline: 0, chronicle: 0 };
    const cpu = { baseline: new CpuMeter(), chronicle: new CpuMeter() };
    const measure =
      (name: keyof typeof peaks, run: (count: number) => Promise<number>) =>
      async () => {
        const sampler = new RssSampler();
        try {
          return await cpu[name].measure(size.jobsPerRound, () =>
            run(size.jobsPerRound),
          );
        } finally {
          peaks[name] = Math.max(peaks[name], sampler.stop());
        }
      };
    const rates = await measureAlternately(
      'jobs',
      size.rounds,
      measure('baseline', (count) => baseline.run(count)),
      measure('chronicle', (count) => chronicle.run(count)),
      () => {
        cpu.baseline.reset();
        cpu.chronicle.reset();
      },
    );

    return {
      baselinePerSec: rates.baselinePerSec,
      chroniclePerSec: rates.candidatePerSec,
      ratio: rates.ratio,
      pairRatioMedian: rates.pairRatioMedian,
      pairRatioRange: rates.pairRatioRange,
      rounds: rates.rounds,
      jobsPerRound: size.jobsPerRound,
      concurrency: JOB_CONCURRENCY,
      peakRssMb: Math.max(peaks.baseline, peaks.chronicle),
      baselinePeakRssMb: peaks.baseline,
      chroniclePeakRssMb: peaks.chronicle,
      cpuPerJobMicros: {
        baseline: cpu.baseline.perOperation(),
        chronicle: cpu.chronicle.perOperation(),
      },
    };
  } finally {
    await client.end();
    await baseline.close();
    await app.close();
  }
}

/** A plain BullMQ queue and worker with a no-op processor. */
export class BullmqBaseline {
  private readonly connection: IORedis;
  private readonly queue: Queue;
  private readonly worker: Worker;
  private completed = 0;
  private failed = 0;

  constructor(environment: BenchEnvironment) {
    this.connection = new IORedis(environment.redisUrl, {
      maxRetriesPerRequest: null,
    });
    const options = {
      connection: this.connection,
      prefix: environment.redisPrefix,
    };
    this.queue = new Queue('bench-baseline', options);
    this.worker = new Worker('bench-baseline', async () => null, {
      ...options,
      concurrency: JOB_CONCURRENCY,
    });
    this.worker.on('completed', () => (this.completed += 1));
    this.worker.on('failed', () => (this.failed += 1));
  }

  /** Enqueues `count` jobs, waits until all completed, returns jobs/s. */
  async run(count: number): Promise<number> {
    const target = this.completed + count;
    const start = performance.now();
    for (let offset = 0; offset < count; offset += CHUNK) {
      const jobs = Array.from(
        { length: Math.min(CHUNK, count - offset) },
        () => ({ name: NOOP_TYPE, data: {} }),
      );
      await this.queue.addBulk(jobs);
    }
    await waitFor(() => {
      if (this.failed > 0)
        throw new Error(`${this.failed} baseline jobs failed`);
      return this.completed >= target;
    }, 'the BullMQ baseline worker to complete its jobs');

    return (count * 1000) / (performance.now() - start);
  }

  async close(): Promise<void> {
    await this.worker.close();
    await this.queue.close();
    this.connection.disconnect();
  }
}

/** Chronicle's submission service and worker, watched through job_runs. */
export class ChronicleJobs {
  private constructor(
    private readonly service: JobSubmissionService,
    private readonly metrics: MetricsService,
    private readonly client: Client,
    private readonly submittedBy: string,
  ) {}

  static async create(app: BenchApp, client: Client): Promise<ChronicleJobs> {
    const service = findProviderByName<JobSubmissionService>(
      app.app,
      'JobSubmissionService',
    );
    if (!service || typeof service.submitBulk !== 'function') {
      throw new Error(
        'Chronicle job submission is missing: no JobSubmissionService with ' +
          'submitBulk() in the application (src/jobs module not registered)',
      );
    }
    const metrics = findProviderByName<MetricsService>(
      app.app,
      'MetricsService',
    );
    if (!metrics || typeof metrics.render !== 'function') {
      throw new Error(
        'Chronicle metrics are missing: no MetricsService with render() in ' +
          'the application, so the bench cannot see jobs complete',
      );
    }
    const users = await client.query(
      `SELECT id FROM users WHERE role = 'admin' ORDER BY created_at LIMIT 1`,
    );
    if (users.rows.length === 0) throw new Error('No admin user to submit as');

    return new ChronicleJobs(
      service,
      metrics,
      client,
      String(users.rows[0].id),
    );
  }

  /** Submits `count` no-op jobs, waits until their runs completed, returns jobs/s. */
  async run(count: number): Promise<number> {
    const ids: string[] = [];
    const before = await this.outcomes();
    const start = performance.now();
    for (let offset = 0; offset < count; offset += CHUNK) {
      const jobs = Array.from(
        { length: Math.min(CHUNK, count - offset) },
        () => ({ type: NOOP_TYPE, payload: {} }),
      );
      const created = await this.service.submitBulk(jobs, {
        submittedBy: this.submittedBy,
        source: 'http',
      });
      ids.push(...created.map((result) => result.job.id));
    }
    if (ids.length !== count) {
      throw new Error(
        `submitBulk returned ${ids.length} jobs, expected ${count}`,
      );
    }
    await waitFor(async () => {
      const now = await this.outcomes();
      const failed = now.failed - before.failed;
      if (failed > 0) throw new Error(`${failed} ${NOOP_TYPE} attempts failed`);
      return now.completed - before.completed >= count;
    }, `Chronicle's worker to complete ${NOOP_TYPE} jobs (is the worker module in WORKER_MODULES?)`);
    const elapsed = performance.now() - start;
    await this.assertCompleted(ids);

    return (count * 1000) / elapsed;
  }

  /*
   * Counts the no-op attempts this process's worker finished, from the
   * chronicle_jobs_total counter, which the worker increments after the
   * outcome committed. Polling PostgreSQL instead cost the database per job
   * about as much as a recorded version, and grew with the round's size.
   */
  private async outcomes(): Promise<{ completed: number; failed: number }> {
    const text = await this.metrics.render();
    const count = (outcome: string) => {
      const line = text
        .split('\n')
        .find(
          (entry) =>
            entry.startsWith('chronicle_jobs_total{') &&
            entry.includes(`type="${NOOP_TYPE}"`) &&
            entry.includes(`outcome="${outcome}"`),
        );
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
    };

    return { completed: count('completed'), failed: count('failed') };
  }

  /** Checks that exactly the submitted runs are the completed ones. */
  private async assertCompleted(ids: string[]): Promise<void> {
    const result = await this.client.query(
      `SELECT count(*)::int AS completed FROM job_runs
       WHERE id = ANY($1::uuid[]) AND status = 'completed'`,
      [ids],
    );
    if (result.rows[0].completed !== ids.length) {
      throw new Error(
        `${ids.length - result.rows[0].completed} submitted ${NOOP_TYPE} runs are not completed`,
      );
    }
  }
}

/** Polls `done` until it returns true, or throws after ROUND_TIMEOUT_MS. */
async function waitFor(
  done: () => boolean | Promise<boolean>,
  what: string,
): Promise<void> {
  const deadline = Date.now() + ROUND_TIMEOUT_MS;
  while (!(await done())) {
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${ROUND_TIMEOUT_MS} ms waiting for ${what}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  logger.verbose(`Done waiting for ${what}`);
}
