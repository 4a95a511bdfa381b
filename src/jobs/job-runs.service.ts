import { Injectable } from '@nestjs/common';
import { DataSource, MoreThan } from 'typeorm';
import type { Role } from '../auth/role';
import { notFound } from '../common/errors';
import { fetchKeysetPage } from '../common/keyset-page';
import { decodeCursor, Page, PageQueryDto, toPage } from '../common/pagination';
import type { JobListQueryDto } from './job.dto';
import { JobAttempt } from './job-attempt.entity';
import { JobLog } from './job-log.entity';
import { JobRun } from './job-run.entity';
import {
  JobLogResponseDto,
  JobRunResponseDto,
  redactJobRun,
  toJobAttemptResponse,
  toJobLogResponse,
  toJobRunResponse,
} from './job-run.mapper';

/** Reads job runs, their attempts and logs from PostgreSQL. */
@Injectable()
export class JobRunsService {
  constructor(private readonly dataSource: DataSource) {}

  /** Lists jobs newest first, with the error stacks `reader` may read. */
  async list(
    query: JobListQueryDto,
    reader: Role,
  ): Promise<Page<JobRunResponseDto>> {
    const builder = this.dataSource.manager.createQueryBuilder(JobRun, 'j');
    const filters = {
      status: query.status,
      type: query.type,
      queue: query.queue,
      submittedBy: query.submittedBy,
      scheduleId: query.scheduleId,
    };
    for (const [field, value] of Object.entries(filters)) {
      if (value !== undefined) {
        builder.andWhere(`j.${field} = :${field}`, { [field]: value });
      }
    }
    if (query.from)
      builder.andWhere('j.createdAt >= :from', { from: query.from });
    if (query.to) builder.andWhere('j.createdAt < :to', { to: query.to });

    return fetchKeysetPage(builder, 'j', query, (row) =>
      redactJobRun(toJobRunResponse(row), reader),
    );
  }

  /**
   * Returns one job with its attempts and the error stacks `reader` may read.
   *
   * @throws DomainError (not-found)
   */
  async get(id: string, reader: Role): Promise<JobRunResponseDto> {
    const run = await this.find(id);
    const attempts = await this.dataSource.manager.find(JobAttempt, {
      where: { jobRunId: id },
      order: { number: 'ASC' },
    });

    return redactJobRun(
      {
        ...toJobRunResponse(run),
        attempts: attempts.map(toJobAttemptResponse),
      },
      reader,
    );
  }

  /** The lines the handler logged, oldest first. */
  async logs(id: string, page: PageQueryDto): Promise<Page<JobLogResponseDto>> {
    await this.find(id);
    const after = page.cursor
      ? decodeCursor(page.cursor, ['bigint'])[0]
      : undefined;
    const rows = await this.dataSource.manager.find(JobLog, {
      where: {
        jobRunId: id,
        ...(after === undefined ? {} : { id: MoreThan(after) }),
      },
      order: { id: 'ASC' },
      take: page.limit + 1,
    });

    return toPage(rows, page.limit, (row) => [row.id], toJobLogResponse);
  }

  /** @throws DomainError (not-found) */
  async find(id: string): Promise<JobRun> {
    const run = await this.dataSource.manager.findOneBy(JobRun, { id });
    if (!run) throw notFound(`Job ${id} not found`);

    return run;
  }
}
