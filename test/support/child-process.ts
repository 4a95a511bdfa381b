import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const START_TIMEOUT_MS = 30_000;

/** Compiles the project into dist/, which worker processes are started from. */
export function buildProject(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

/** Finds a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') {
    throw new Error('No port assigned');
  }

  return address.port;
}

/**
 * A process this test started: its output is collected, and only this PID
 * is ever signalled.
 */
export class TestProcess {
  private output = '';
  /** Resolves with the exit code, or the signal that ended the process. */
  readonly exited: Promise<number | NodeJS.Signals | null>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on(
      'data',
      (chunk: Buffer) => (this.output += chunk.toString()),
    );
    child.stderr?.on(
      'data',
      (chunk: Buffer) => (this.output += chunk.toString()),
    );
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? signal)),
    );
  }

  /**
   * Starts `command` and waits until its output contains `ready`.
   *
   * @throws Error with the output when it exits or times out first; a process
   * that timed out is killed.
   */
  static async start(
    command: string,
    args: string[],
    env: Record<string, string>,
    ready: string,
  ): Promise<TestProcess> {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = new TestProcess(child);
    try {
      await started.waitForOutput(ready, START_TIMEOUT_MS);
    } catch (error) {
      // The caller never gets this process, so it could not stop it.
      await started.stop('SIGKILL');
      throw error;
    }

    return started;
  }

  /** A Chronicle worker process (`node dist/src/worker.js`). */
  static worker(env: Record<string, string>): Promise<TestProcess> {
    return TestProcess.start(
      process.execPath,
      ['dist/src/worker.js'],
      {
        MIGRATE: 'false',
        LOG_JSON: 'false',
        LOG_LEVEL: 'log',
        // A fixed metrics port would collide with other test runs on the machine.
        WORKER_METRICS_PORT: '0',
        ...env,
      },
      'Chronicle worker started',
    );
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get log(): string {
    return this.output;
  }

  /** Waits until the output contains `text`. */
  async waitForOutput(text: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes(text)) {
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(
          `Process ${this.pid} did not print "${text}" ` +
            `(exit code ${this.child.exitCode}); output:\n${this.output}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Sends `signal` to this process and waits for it to exit. */
  async stop(
    signal: NodeJS.Signals = 'SIGTERM',
  ): Promise<number | NodeJS.Signals | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill(signal);
    }

    return this.exited;
  }
}
