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
