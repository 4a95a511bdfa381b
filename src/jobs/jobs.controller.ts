import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import type { Response } from 'express';
import type { Actor } from '../auth/actor';
import { CurrentActor, RequireRole } from '../auth/auth.decorators';
import { HistoryQueryDto } from '../audit/history-query.dto';
import { HistoryService } from '../audit/history.service';
import { PageQueryDto } from '../common/pagination';
import { JobBulkSubmitDto, JobListQueryDto, JobSubmitDto } from './job.dto';
import { JobControlService } from './job-control.service';
import { JobRunsService } from './job-runs.service';
import { JobSubmissionService } from './job-submission.service';

@Controller('jobs')
export class JobsController {
  constructor(
    private readonly submission: JobSubmissionService,
    private readonly runs: JobRunsService,
    private readonly control: JobControlService,
    private readonly historyService: HistoryService,
  ) {}

  /** 202 for a new job; 200 when the idempotency key returned an old one. */
  @Post()
  @RequireRole('operator')
  async submit(
    @Body() body: JobSubmitDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) response: Response,
  ) {
    const { job, created } = await this.submission.submit(body, {
      submittedBy: actor.id,
      source: 'http',
    });
    response.status(created ? 202 : 200);

    return job;
  }

  @Post('bulk')
  @RequireRole('operator')
  @HttpCode(202)
  async submitBulk(
    @Body() body: JobBulkSubmitDto,
    @CurrentActor() actor: Actor,
  ) {
    const results = await this.submission.submitBulk(body.jobs, {
      submittedBy: actor.id,
      source: 'http',
    });

    return { items: results.map((result) => result.job) };
  }

  @Get()
  list(@Query() query: JobListQueryDto) {
    return this.runs.list(query);
  }

  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string) {
    return this.runs.get(id);
  }

  /** Returns the job run's versions, as GET /history/job-runs/:id does. */
  @Get(':id/history')
  async history(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: HistoryQueryDto,
  ) {
    await this.runs.get(id);

    return this.historyService.list('job-runs', id, query);
  }

  @Get(':id/logs')
  logs(@Param('id', ParseUUIDPipe) id: string, @Query() page: PageQueryDto) {
    return this.runs.logs(id, page);
  }

  @Post(':id/cancel')
  @RequireRole('operator')
  @HttpCode(200)
  cancel(@Param('id', ParseUUIDPipe) id: string) {
    return this.control.cancel(id);
  }

  @Post(':id/retry')
  @RequireRole('operator')
  @HttpCode(202)
  retry(@Param('id', ParseUUIDPipe) id: string) {
    return this.control.retry(id);
  }
}
