import type { MachineInfo } from './machine';

/** Figures of the writes part: single-row updates, one per transaction. */
export interface WritesResult {
  plainPerSec: number;
  auditedPerSec: number;
  ratio: number;
  [detail: string]: unknown;
}

/** Figures of the history part: reads of one object with many versions. */
export interface HistoryResult {
  versions: number;
  /** Latency of one page of 50 versions. */
  p50Ms: number;
  p95Ms: number;
  asOfP50Ms: number;
  asOfP95Ms: number;
  [detail: string]: unknown;
}

/** Figures of the jobs part: no-op jobs enqueued and processed. */
export interface JobsResult {
  baselinePerSec: number;
  chroniclePerSec: number;
  ratio: number;
  [detail: string]: unknown;
}

/** Figures of the submit part: jobs accepted over HTTP. */
export interface SubmitResult {
  /** Jobs accepted per second by POST /jobs under concurrent connections. */
  perSec: number;
  /** Jobs accepted per second by POST /jobs/bulk, 1,000 jobs a request. */
  bulkPerSec: number;
  [detail: string]: unknown;
}

/** Everything one run measured. A part that did not run is absent. */
export interface BenchResults {
  writes?: WritesResult;
  history?: HistoryResult;
  jobs?: JobsResult;
  submit?: SubmitResult;
}

/** The content of bench/results/latest.json. */
export interface BenchReport extends BenchResults {
  finishedAt: string;
  mode: 'quick' | 'full';
  machine: MachineInfo;
}

type Cell = string | number | undefined;

const COLUMNS: [string, (report: BenchReport) => Cell][] = [
  ['Date (UTC)', (r) => r.finishedAt.slice(0, 16).replace('T', ' ')],
  ['Mode', (r) => r.mode],
  [
    'Machine',
    (r) =>
      `${r.machine.cpuCount} × ${r.machine.cpuModel}, ${r.machine.memoryGb} GB`,
  ],
  [
    'Node / PG / Redis',
    (r) => `${r.machine.node} / ${r.machine.postgres} / ${r.machine.redis}`,
  ],
  ['Writes plain/s', (r) => r.writes?.plainPerSec],
  ['Writes audited/s', (r) => r.writes?.auditedPerSec],
  ['Writes ratio', (r) => r.writes?.ratio],
  ['History versions', (r) => r.history?.versions],
  ['Page p50/p95 ms', (r) => pair(r.history?.p50Ms, r.history?.p95Ms)],
  ['As-of p50/p95 ms', (r) => pair(r.history?.asOfP50Ms, r.history?.asOfP95Ms)],
  ['Jobs baseline/s', (r) => r.jobs?.baselinePerSec],
  ['Jobs Chronicle/s', (r) => r.jobs?.chroniclePerSec],
  ['Jobs ratio', (r) => r.jobs?.ratio],
  ['Jobs peak RSS MB', (r) => r.jobs?.peakRssMb as Cell],
  ['Submit POST /jobs/s', (r) => r.submit?.perSec],
  ['Submit bulk jobs/s', (r) => r.submit?.bulkPerSec],
];

function pair(first: Cell, second: Cell): Cell {
  return first === undefined ? undefined : `${first} / ${second ?? '–'}`;
}

function cell(value: Cell): string {
  if (value === undefined) return '–';

  return String(value).replace(/\|/g, '\\|');
}

/** The header and separator lines of the figures table in docs/benchmarks.md. */
export function markdownTableHeader(): string {
  const names = COLUMNS.map(([name]) => name);

  return `| ${names.join(' | ')} |\n|${names.map(() => ' --- |').join('')}\n`;
}

/** One row of the figures table, with a dash for each part that did not run. */
export function markdownRow(report: BenchReport): string {
  return `| ${COLUMNS.map(([, read]) => cell(read(report))).join(' | ')} |\n`;
}
