import { readdirSync, readFileSync } from 'node:fs';

/** CPU time per operation, in microseconds, of each part of the system. */
export interface CpuPerOperation {
  /** This process: the Node.js application and the bench driving it. */
  node: number;
  /** Every local `postgres` process: backends and background workers. */
  postgres: number;
  /** Every local `redis-server` process. */
  redis: number;
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ on Linux). */
const TICKS_PER_SECOND = 100;
const SERVER_NAMES = ['postgres', 'redis-server'] as const;
type ServerName = (typeof SERVER_NAMES)[number];

/**
 * Adds up the CPU time this process and the local PostgreSQL and Redis
 * servers spend over several measured intervals, to split a variant's cost
 * per operation between them.
 *
 * Servers are read from /proc, so their figures are 0 when they run on
 * another host or outside Linux. A server process that starts and exits
 * within one interval (a short autovacuum worker) is not counted, and the
 * times have a resolution of 10 ms per process, so figures are estimates
 * that get better with longer intervals.
 */
export class CpuMeter {
  private nodeMicros = 0;
  private readonly serverMicros: Record<ServerName, number> = {
    postgres: 0,
    'redis-server': 0,
  };
  private operations = 0;

  /** Measures `run`, which performs `operations` operations. */
  async measure<T>(operations: number, run: () => Promise<T>): Promise<T> {
    const node = process.cpuUsage();
    const servers = serverTicks();
    try {
      return await run();
    } finally {
      const used = process.cpuUsage(node);
      this.nodeMicros += used.user + used.system;
      const after = serverTicks();
      for (const name of SERVER_NAMES) {
        let ticks = 0;
        for (const [pid, total] of after[name]) {
          // A process that started during the interval counts from zero.
          ticks += total - (servers[name].get(pid) ?? 0);
        }
        this.serverMicros[name] += (ticks * 1_000_000) / TICKS_PER_SECOND;
      }
      this.operations += operations;
    }
  }

  /** Forgets the intervals measured so far, such as warm-up rounds. */
  reset(): void {
    this.nodeMicros = 0;
    this.serverMicros.postgres = 0;
    this.serverMicros['redis-server'] = 0;
    this.operations = 0;
  }

  /** CPU time per operation over every interval measured since a reset. */
  perOperation(): CpuPerOperation {
    const per = (micros: number) =>
      this.operations === 0 ? 0 : Math.round(micros / this.operations);

    return {
      node: per(this.nodeMicros),
      postgres: per(this.serverMicros.postgres),
      redis: per(this.serverMicros['redis-server']),
    };
  }
}

/** User plus system ticks of every process with one of SERVER_NAMES. */
function serverTicks(): Record<ServerName, Map<string, number>> {
  const ticks: Record<ServerName, Map<string, number>> = {
    postgres: new Map(),
    'redis-server': new Map(),
  };
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return ticks;
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // The process exited after the directory was listed.
    }
    // Format: "pid (comm) state ppid ..."; comm may contain spaces.
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    const name = stat.slice(open + 1, close) as ServerName;
    if (!SERVER_NAMES.includes(name)) continue;
    const fields = stat.slice(close + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here.
    ticks[name].set(pid, Number(fields[11]) + Number(fields[12]));
  }

  return ticks;
}
