import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { BenchEnvironment } from '../support/bench-environment';
import { BenchApp, requestJson, type JsonResponse } from '../support/bench-app';
import type { HistoryResult } from '../support/results';
import { percentile, round } from '../support/stats';

const PAGE_SIZE = 50;
/** Updates per seeding transaction, which is one revision. */
const SEED_BATCH = 500;
const WARM_UP_REQUESTS = 20;

const SIZES = {
  quick: { versions: 10_000, samples: 200, staleSamples: 50 },
  full: { versions: 100_000, samples: 1000, staleSamples: 100 },
};

const logger = new Logger('Bench:history');

/** One book and the span of time its versions were written in. */
interface SeededBook {
  id: string;
  firstAt: number;
  lastAt: number;
}

/**
 * Measures reads of one book with many versions through the HTTP API: a page
 * of 50 versions before a random version, and the snapshot as of a random
 * instant, alternately, one request at a time. The main figures are taken
 * after ANALYZE of the audit tables, and `beforeAnalyze` holds those of a
 * shorter series taken before it.
 */
export async function benchHistory(
  environment: BenchEnvironment,
  quick: boolean,
): Promise<HistoryResult> {
  const size = quick ? SIZES.quick : SIZES.full;
  const app = await BenchApp.start({ api: true, worker: false });
  const client = new Client({ connectionString: environment.databaseUrl });
  await client.connect();
  try {
    const bookId = await createBook(client);
    const history = `${app.url}/history/books/${bookId}`;
    await checkHistoryApi(history, environment.adminToken);

    const book = await seedVersions(client, bookId, size.versions);
    await checkNewestPage(history, environment.adminToken, size.versions);

    const measure = (samples: number) =>
      timeReads(history, environment.adminToken, book, size.versions, samples);
    // Right after the burst of versions the planner statistics still
    // describe the tables before it, as they would until autovacuum analyzes.
    const stale = await measure(size.staleSamples);
    await client.query('ANALYZE audit_version, audit_revision');
    const current = await measure(size.samples);

    return {
      versions: size.versions,
      p50Ms: round(percentile(current.page, 50), 2),
      p95Ms: round(percentile(current.page, 95), 2),
      asOfP50Ms: round(percentile(current.asOf, 50), 2),
      asOfP95Ms: round(percentile(current.asOf, 95), 2),
      samples: size.samples,
      pageSize: PAGE_SIZE,
      beforeAnalyze: {
        samples: size.staleSamples,
        p50Ms: round(percentile(stale.page, 50), 2),
        p95Ms: round(percentile(stale.page, 95), 2),
        asOfP50Ms: round(percentile(stale.asOf, 50), 2),
        asOfP95Ms: round(percentile(stale.asOf, 95), 2),
      },
    };
  } finally {
    await client.end();
    await app.close();
  }
}

/**
 * Sends a page request and an as-of request alternately, `samples` of each
 * after WARM_UP_REQUESTS discarded pairs, and returns their latencies in ms.
 */
async function timeReads(
  history: string,
  token: string,
  book: SeededBook,
  versions: number,
  samples: number,
): Promise<{ page: number[]; asOf: number[] }> {
  const page: number[] = [];
  const asOf: number[] = [];
  for (let i = 0; i < WARM_UP_REQUESTS + samples; i += 1) {
    const pageMs = await timePage(history, token, versions);
    const asOfMs = await timeAsOf(history, token, book);
    if (i >= WARM_UP_REQUESTS) {
      page.push(pageMs);
      asOf.push(asOfMs);
    }
  }

  return { page, asOf };
}

async function createBook(client: Client): Promise<string> {
  const id = randomUUID();
  await inTransaction(client, async () => {
    const author = await client.query(
      `INSERT INTO authors (name) VALUES ($1) RETURNING id`,
      [`History bench author ${id}`],
    );
    await client.query(
      `INSERT INTO books (id, title, author_id, price) VALUES ($1, $2, $3, 0)`,
      [id, 'History bench book', author.rows[0].id],
    );
  });

  return id;
}

/** Fails with a clear message when the history endpoints are not served. */
async function checkHistoryApi(history: string, token: string): Promise<void> {
  const response = await requestJson(`${history}?limit=${PAGE_SIZE}`, token);
  if (response.status === 404) {
    throw new Error(
      'The history API is missing: GET /history/books/:id returned 404 ' +
        `for a book that exists (${JSON.stringify(response.body)})`,
    );
  }
  expectStatus(response, 200, 'GET /history/books/:id');
}

/**
 * Gives the book `versions` versions in total (its create included), each
 * written by an UPDATE through the capture trigger, SEED_BATCH per
 * transaction so the versions span many revisions and instants.
 */
async function seedVersions(
  client: Client,
  bookId: string,
  versions: number,
): Promise<SeededBook> {
  const start = performance.now();
  for (let done = 1; done < versions; done += SEED_BATCH) {
    const count = Math.min(SEED_BATCH, versions - done);
    await inTransaction(client, () =>
      client.query(`DO $seed$ BEGIN
        FOR i IN ${done}..${done + count - 1} LOOP
          UPDATE books SET price = i / 100.0 WHERE id = '${bookId}';
        END LOOP;
      END $seed$`),
    );
  }
  const span = await client.query(
    `SELECT count(*)::int AS versions, min(created_at) AS first,
       max(created_at) AS last
     FROM audit_version WHERE entity_type = 'books' AND entity_id = $1`,
    [bookId],
  );
  const { versions: written, first, last } = span.rows[0];
  if (process.env.BENCH_ANALYZE === 'true') {
    await client.query('ANALYZE audit_version, audit_revision');
  }
  if (written !== versions) {
    throw new Error(`Seeded ${written} versions, expected ${versions}`);
  }
  logger.log(
    `Seeded ${versions} versions of book ${bookId} in ` +
      `${Math.round(performance.now() - start)} ms`,
  );

  return { id: bookId, firstAt: first.getTime(), lastAt: last.getTime() };
}

/** Fails unless the newest page starts at the newest version. */
async function checkNewestPage(
  history: string,
  token: string,
  versions: number,
): Promise<void> {
  const response = await requestJson(`${history}?limit=${PAGE_SIZE}`, token);
  expectStatus(response, 200, 'GET /history/books/:id');
  const newest = response.body?.items?.[0]?.version;
  if (newest !== versions) {
    throw new Error(
      `The newest page starts at version ${newest}, expected ${versions}`,
    );
  }
}

async function timePage(
  history: string,
  token: string,
  versions: number,
): Promise<number> {
  const before =
    PAGE_SIZE + 1 + Math.floor(Math.random() * (versions - PAGE_SIZE));
  const start = performance.now();
  const response = await requestJson(
    `${history}?limit=${PAGE_SIZE}&beforeVersion=${before}`,
    token,
  );
  const elapsed = performance.now() - start;

  expectStatus(response, 200, 'GET /history/books/:id?beforeVersion=N');
  const items = response.body?.items ?? [];
  if (items.length !== PAGE_SIZE || items[0].version !== before - 1) {
    throw new Error(
      `The page before version ${before} has ${items.length} items starting ` +
        `at version ${items[0]?.version}, expected ${PAGE_SIZE} from ${before - 1}`,
    );
  }

  return elapsed;
}

async function timeAsOf(
  history: string,
  token: string,
  book: SeededBook,
): Promise<number> {
  const at = new Date(
    book.firstAt + Math.random() * (book.lastAt - book.firstAt),
  ).toISOString();
  const start = performance.now();
  const response = await requestJson(
    `${history}/as-of?at=${encodeURIComponent(at)}`,
    token,
  );
  const elapsed = performance.now() - start;
  if (response.status === 404) {
    throw new Error(
      `The history API is missing or wrong: GET /history/books/:id/as-of ` +
        `returned 404 for ${at}, inside the book's history`,
    );
  }
  expectStatus(response, 200, 'GET /history/books/:id/as-of');

  return elapsed;
}

function expectStatus(
  response: JsonResponse,
  status: number,
  what: string,
): void {
  if (response.status !== status) {
    throw new Error(
      `${what} returned ${response.status}, expected ${status}: ` +
        JSON.stringify(response.body),
    );
  }
}

/** Runs work in a transaction attributed to the system, as a seeding script would be. */
async function inTransaction(
  client: Client,
  work: () => Promise<unknown>,
): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(
      `SELECT set_config('chronicle.source', 'system', true),
              set_config('chronicle.request_id', 'bench-history-seed', true)`,
    );
    await work();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}
