import { hostname } from 'node:os';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

const toBoolean = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;

  return value;
};

const toInteger = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);

  return value;
};

/**
 * Environment variables of Chronicle, validated once at start-up.
 * Every field carries its default, so an empty environment is a valid one.
 */
export class Environment {
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /**
   * Address the API (and the worker's metrics listener) binds to. The
   * default keeps a development server off the network; containers set
   * 0.0.0.0.
   */
  @IsString()
  @Matches(/^[0-9A-Za-z.:-]+$/, { message: 'must be a host name or address' })
  HOST = '127.0.0.1';

  @IsString()
  @Matches(/^postgres(ql)?:\/\//, {
    message: 'must be a postgres:// URL',
  })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/chronicle';

  @IsString()
  @Matches(/^rediss?:\/\//, { message: 'must be a redis:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  @IsString()
  @Matches(/^[A-Za-z0-9_.:-]+$/, {
    message: 'must contain only letters, digits, and _ . : -',
  })
  REDIS_PREFIX = 'chronicle';

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters long' })
  ADMIN_TOKEN?: string = undefined;

  /** Runs the job worker inside the API process. */
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  WORKER = true;

  /** Creates the database when missing and applies pending migrations. */
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  MIGRATE = true;

  @IsIn(['fatal', 'error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  LOG_JSON = true;

  /** Maximum JSON request body, in bytes. */
  @Transform(toInteger)
  @IsInt()
  @Min(1024)
  BODY_LIMIT_BYTES = 1_048_576;

  /**
   * Requests a minute allowed per API token (per client IP for requests
   * without one), counted in each API process; 0 turns rate limiting off.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  RATE_LIMIT_PER_MINUTE = 60_000;

  /**
   * Serves GET /metrics without a token. Set to false to require a viewer
   * token when the API port is reachable from outside the trusted network.
   */
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  METRICS_PUBLIC = true;

  /**
   * Port of the worker process's own GET /metrics listener (worker.js
   * serves no API); 0 turns it off.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  WORKER_METRICS_PORT = 9464;

  /** Maximum number of connections in the PostgreSQL pool of one process. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000)
  DATABASE_POOL_SIZE = 20;

  /**
   * Folder that `catalog.import` reads `{file}` payloads from, relative to the
   * working directory unless absolute. Files outside it are rejected.
   */
  @IsString()
  @MinLength(1)
  IMPORT_DIR = './data';

  /** Folder that `audit.export` writes its files to, created when missing. */
  @IsString()
  @MinLength(1)
  EXPORT_DIR = './var/exports';

  /** Shortest interval an `everyMs` schedule may have, in milliseconds. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  SCHEDULE_MIN_EVERY_MS = 1000;

  /** How often the scheduler looks for due schedules; 0 turns it off. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  SCHEDULER_TICK_MS = 500;

  /**
   * A slot at most this late when the scheduler reaches it fires as usual;
   * an older one counts as missed and follows the schedule's catchUp policy.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  SCHEDULE_MISFIRE_GRACE_MS = 60_000;
  /** Queues this deployment runs, comma-separated; jobs name one of them. */
  @IsString()
  @Matches(/^[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*$/, {
    message: 'must be queue names (letters, digits, _ -) separated by commas',
  })
  JOB_QUEUES = 'default';

  /** Jobs one worker process runs at the same time, per queue. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000)
  WORKER_CONCURRENCY = 16;

  /** Maximum job payload accepted at submission, in bytes of JSON. */
  @Transform(toInteger)
  @IsInt()
  @Min(64)
  JOB_PAYLOAD_MAX_BYTES = 262_144;

  /** Maximum job result, in bytes of JSON; a larger one fails the attempt. */
  @Transform(toInteger)
  @IsInt()
  @Min(64)
  JOB_RESULT_MAX_BYTES = 262_144;

  /** Maximum number of jobs in one POST /jobs/bulk. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(10_000)
  JOB_BULK_MAX = 500;

  /**
   * Hosts webhook.deliver may call, comma-separated `host` or `host:port`;
   * empty allows none.
   */
  @IsString()
  @Matches(/^$|^[A-Za-z0-9.-]+(:\d{1,5})?(,[A-Za-z0-9.-]+(:\d{1,5})?)*$/, {
    message: 'must be host or host:port entries separated by commas',
  })
  WEBHOOK_ALLOWED_HOSTS = '';

  /** Names this worker process on its attempts and in Redis. */
  @IsString()
  @MinLength(1)
  WORKER_ID = `${hostname()}:${process.pid}`;

  /**
   * How often a worker process records in job_workers that it is alive. A
   * worker silent for three intervals is dead, and its active attempts are
   * marked stalled.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(600_000)
  WORKER_HEARTBEAT_MS = 5000;

  /**
   * BullMQ lock of an active job, renewed at half this period; a job whose
   * lock expires is handed to another worker, and stalled jobs are looked
   * for at this interval.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  WORKER_LOCK_MS = 30_000;

  /**
   * How often a worker process compares the pending job runs of PostgreSQL
   * with Redis and enqueues what Redis lost; it also runs at start-up. 0
   * runs it at start-up only.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  RECONCILE_INTERVAL_MS = 30_000;

  /**
   * On SIGTERM, how long a worker lets active jobs finish before it records
   * them as interrupted and hands them back to the queue.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  SHUTDOWN_GRACE_MS = 10_000;

  /**
   * Age a revision must reach before the sealing step chains it, so that
   * lower ids still committing are usually sealed before higher ones.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  AUDIT_SEAL_SETTLE_MS = 2000;

  /** Revisions hashed and chained per round trip of the sealing step. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(100_000)
  AUDIT_SEAL_BATCH_SIZE = 10_000;
}

/**
 * Validates raw environment variables into an {@link Environment}.
 *
 * @throws Error naming every invalid variable and what it expects.
 */
export function validateEnvironment(raw: Record<string, unknown>): Environment {
  const known = Object.keys(new Environment());
  const input = Object.fromEntries(
    Object.entries(raw).filter(
      ([key, value]) => known.includes(key) && value !== '',
    ),
  );
  const environment = plainToInstance(Environment, input);
  const errors = validateSync(environment, { whitelist: true });
  if (errors.length > 0) {
    const lines = errors.map((error) => {
      const reasons = Object.values(error.constraints ?? {}).join(', ');
      return `  ${error.property}=${JSON.stringify(error.value)}: ${reasons}`;
    });
    throw new Error(`Invalid environment:\n${lines.join('\n')}`);
  }

  return environment;
}
