import IORedis from 'ioredis';
import os from 'node:os';
import { Client } from 'pg';

/** The host and the software versions that a run's figures were taken on. */
export interface MachineInfo {
  cpuCount: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  postgres: string;
  redis: string;
}

/** Reads CPU, memory and versions of Node, PostgreSQL and Redis. */
export async function describeMachine(
  databaseUrl: string,
  redisUrl: string,
): Promise<MachineInfo> {
  const cpus = os.cpus();

  return {
    cpuCount: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    postgres: await postgresVersion(databaseUrl),
    redis: await redisVersion(redisUrl),
  };
}

async function postgresVersion(databaseUrl: string): Promise<string> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query('SHOW server_version');

    return String(result.rows[0].server_version);
  } finally {
    await client.end();
  }
}

async function redisVersion(redisUrl: string): Promise<string> {
  const redis = new IORedis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const info = await redis.info('server');
    const match = /^redis_version:(\S+)/m.exec(info);

    return match?.[1] ?? 'unknown';
  } finally {
    redis.disconnect();
  }
}
