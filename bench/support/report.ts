import { Logger } from '@nestjs/common';
import {
  appendFile,
  mkdir,
  readFile,
  rename,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import type { MachineInfo } from './machine';
import {
  markdownRow,
  markdownTableHeader,
  type BenchReport,
  type BenchResults,
} from './results';

const ROOT = path.resolve(__dirname, '..', '..');
export const LATEST_JSON = path.join(ROOT, 'bench', 'results', 'latest.json');
export const BENCHMARKS_MD = path.join(ROOT, 'docs', 'benchmarks.md');

const logger = new Logger('Bench:report');

/** What docs/benchmarks.md starts with when the first run creates it. */
const HEADER = `# Benchmarks

Figures of \`npm run bench\`, one row per run, newest last.

Method: every comparison is a ratio of two variants measured in interleaved
rounds (A, B, A, B, ...) in the same run, after one discarded warm-up round
of each, and each rate is the median of its rounds. Absolute rates depend on
the machine and on whatever else runs on it; compare ratios, not rates, across
rows. A run creates its own database (\`chronicle_bench_<id>\`, migrations
applied) and Redis key prefix and removes both at the end. A run in which any
part fails writes no row.

- writes: single-row updates, one per transaction, through
  AuditedTransactionService (BEGIN, set_config of the audit context, UPDATE,
  COMMIT) on a copy of \`books\` without the capture trigger and on a copy
  with it. Both copies have the stamp_who_when() trigger. Ratio = audited /
  plain.
- history: one book with many versions written through the capture trigger;
  latency of \`GET /history/books/:id?limit=50&beforeVersion=N\` at random N
  and of \`GET /history/books/:id/as-of?at=...\` at random instants, after
  ANALYZE of the audit tables (latest.json also has a shorter series taken
  before it, with the statistics left from before the versions were written).
- jobs: no-op jobs enqueued and processed, plain BullMQ Queue and Worker
  against Chronicle's submission service and worker (\`system.noop\`), same
  Redis, same concurrency. Ratio = Chronicle / BullMQ.
- submit: \`POST /jobs\` under concurrent connections (autocannon) and
  \`POST /jobs/bulk\` with 1,000 jobs; jobs accepted per second.

Run \`npm run bench\` (full), \`npm run bench -- --quick\` (smaller workloads)
or \`npm run bench -- --only writes,history\`. The full figures of the last
run, with the cost breakdown of the writes part, are in
\`bench/results/latest.json\`.

`;

/** Writes latest.json and appends a row to docs/benchmarks.md. */
export async function writeReport(
  results: BenchResults,
  machine: MachineInfo,
  quick: boolean,
): Promise<BenchReport> {
  const report: BenchReport = {
    finishedAt: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    machine,
    ...results,
  };

  await mkdir(path.dirname(LATEST_JSON), { recursive: true });
  const temporary = `${LATEST_JSON}.tmp`;
  await writeFile(temporary, `${JSON.stringify(report, null, 2)}\n`);
  await rename(temporary, LATEST_JSON);

  await mkdir(path.dirname(BENCHMARKS_MD), { recursive: true });
  const existing = await readFile(BENCHMARKS_MD, 'utf8').catch(() => null);
  if (existing === null) {
    await writeFile(BENCHMARKS_MD, HEADER + markdownTableHeader());
  }
  await appendFile(BENCHMARKS_MD, markdownRow(report));
  logger.log(`Wrote ${LATEST_JSON} and a row in ${BENCHMARKS_MD}`);

  return report;
}
