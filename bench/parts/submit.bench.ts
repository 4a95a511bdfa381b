import { Logger } from '@nestjs/common';
import autocannon from 'autocannon';
import { BenchApp, requestJson } from '../support/bench-app';
import type { BenchEnvironment } from '../support/bench-environment';
import type { SubmitResult } from '../support/results';
import { median, round } from '../support/stats';

const CONNECTIONS = 10;
const BULK_JOBS = 1000;
const NOOP_JOB = { type: 'system.noop', payload: {} };

const SIZES = {
  quick: { durationSec: 5, bulkRounds: 3 },
  full: { durationSec: 20, bulkRounds: 7 },
};

const logger = new Logger('Bench:submit');

/**
 * Measures job submission over HTTP against an API process without a worker:
 * `POST /jobs` under concurrent connections, then `POST /jobs/bulk` with
 * 1,000 jobs a request, one request at a time.
 */
export async function benchSubmit(
  environment: BenchEnvironment,
  quick: boolean,
): Promise<SubmitResult> {
  const size = quick ? SIZES.quick : SIZES.full;
  const app = await BenchApp.start({ api: true, worker: false });
  try {
    const token = environment.adminToken;
    await checkJobsApi(app.url, token);
    const single = await loadSingleSubmits(app.url, token, size.durationSec);

    const bulkRates: number[] = [];
    for (let round = 0; round < size.bulkRounds; round += 1) {
      bulkRates.push(await timeBulkSubmit(app.url, token));
    }

    return {
      perSec: single.perSec,
      bulkPerSec: round(median(bulkRates), 1),
      connections: CONNECTIONS,
      durationSec: size.durationSec,
      latencyP50Ms: single.latencyP50Ms,
      latencyP99Ms: single.latencyP99Ms,
      bulkJobs: BULK_JOBS,
      bulkRounds: size.bulkRounds,
    };
  } finally {
    await app.close();
  }
}

/** Fails with a clear message when POST /jobs is not served or rejects the job. */
async function checkJobsApi(url: string, token: string): Promise<void> {
  const response = await requestJson(`${url}/jobs`, token, {
    method: 'POST',
    body: NOOP_JOB,
  });
  if (response.status === 404) {
    throw new Error(
      `The jobs API is missing: POST /jobs returned 404 (${JSON.stringify(response.body)})`,
    );
  }
  if (response.status !== 202) {
    throw new Error(
      `POST /jobs with a ${NOOP_JOB.type} job returned ${response.status}, ` +
        `expected 202: ${JSON.stringify(response.body)}`,
    );
  }
}

async function loadSingleSubmits(
  url: string,
  token: string,
  durationSec: number,
): Promise<{ perSec: number; latencyP50Ms: number; latencyP99Ms: number }> {
  const result = await autocannon({
    url: `${url}/jobs`,
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(NOOP_JOB),
    connections: CONNECTIONS,
    duration: durationSec,
  });
  if (result.errors > 0 || result.non2xx > 0) {
    throw new Error(
      `POST /jobs under load: ${result.errors} connection errors and ` +
        `${result.non2xx} non-2xx responses of ${result.requests.total}`,
    );
  }
  logger.log(
    `POST /jobs: ${result['2xx']} jobs accepted in ${result.duration} s`,
  );

  return {
    perSec: round(result['2xx'] / result.duration, 1),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
  };
}

/** Submits BULK_JOBS jobs in one request and returns jobs accepted per second. */
async function timeBulkSubmit(url: string, token: string): Promise<number> {
  const jobs = Array.from({ length: BULK_JOBS }, () => NOOP_JOB);
  const start = performance.now();
  const response = await requestJson(`${url}/jobs/bulk`, token, {
    method: 'POST',
    body: { jobs },
  });
  const elapsedMs = performance.now() - start;
  if (response.status !== 202 || response.body?.items?.length !== BULK_JOBS) {
    throw new Error(
      `POST /jobs/bulk with ${BULK_JOBS} jobs returned ${response.status} ` +
        `with ${response.body?.items?.length} items, expected 202 with ` +
        `${BULK_JOBS}: ${JSON.stringify(response.body).slice(0, 500)}`,
    );
  }

  return (BULK_JOBS * 1000) / elapsedMs;
}
