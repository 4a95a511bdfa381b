import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { Actor } from '../auth/actor';
import { CurrentActor, RequireRole } from '../auth/auth.decorators';
import { HistoryQueryDto } from '../audit/history-query.dto';
import { VersionResponseDto } from '../audit/history-response.dto';
import { HistoryService } from '../audit/history.service';
import { PageQueryDto } from '../common/pagination';
import {
  ApiErrorResponse,
  ApiPageResponse,
} from '../openapi/api-responses.decorators';
import { JobBulkSubmitDto, JobListQueryDto, JobSubmitDto } from './job.dto';
import {
  JobBulkResponseDto,
  JobLogResponseDto,
  JobRunResponseDto,
} from './job-run.mapper';
import { JobControlService } from './job-control.service';
import { JobRunsService } from './job-runs.service';
import { JobSubmissionService } from './job-submission.service';
import { ParseUuidParamPipe } from '../common/parse-uuid-param.pipe';

const PAYLOAD_TOO_LARGE =
  'The body is larger than BODY_LIMIT_BYTES, or a payload is larger than JOB_PAYLOAD_MAX_BYTES';

const KEY_REUSED =
  'The idempotencyKey was already used by a job with another type, payload or submitter';

@ApiTags('Jobs')
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
  @ApiOperation({
    summary: 'Submit a job',
    description:
      'The payload is checked against the schema of its type (GET /job-types). A repeated idempotencyKey returns the job of the first submission with 200 instead of creating one.',
  })
  @ApiAcceptedResponse({ type: JobRunResponseDto, description: 'A new job' })
  @ApiOkResponse({
    type: JobRunResponseDto,
    description:
      'The job an earlier submission with this idempotencyKey created',
  })
  @ApiErrorResponse(413, PAYLOAD_TOO_LARGE)
  @ApiErrorResponse(409, KEY_REUSED)
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
  @ApiOperation({
    summary: 'Submit several jobs, all or none',
    description:
      'At most JOB_BULK_MAX jobs; messages name the failing job as jobs.N.field. The jobs come back in the order submitted.',
  })
  @ApiAcceptedResponse({ type: JobBulkResponseDto })
  @ApiErrorResponse(413, PAYLOAD_TOO_LARGE)
  @ApiErrorResponse(409, KEY_REUSED)
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
  @ApiOperation({
    summary: 'List jobs, newest first',
    description: 'from and to bound createdAt: from included, to excluded.',
  })
  @ApiPageResponse(JobRunResponseDto)
  list(@Query() query: JobListQueryDto, @CurrentActor() actor: Actor) {
    return this.runs.list(query, actor.role);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One job with its attempts' })
  @ApiOkResponse({ type: JobRunResponseDto })
  get(
    @Param('id', ParseUuidParamPipe) id: string,
    @CurrentActor() actor: Actor,
  ) {
    return this.runs.get(id, actor.role);
  }

  /** Returns the job run's versions, as GET /history/job-runs/:id does. */
  @Get(':id/history')
  @ApiOperation({
    summary: 'Versions of a job run, newest first',
    description:
      'The same list as GET /history/job-runs/{id}: one version per state change.',
  })
  @ApiPageResponse(VersionResponseDto)
  async history(
    @Param('id', ParseUuidParamPipe) id: string,
    @Query() query: HistoryQueryDto,
    @CurrentActor() actor: Actor,
  ) {
    await this.runs.find(id);

    return this.historyService.list('job-runs', id, query, actor.role);
  }

  @Get(':id/logs')
  @ApiOperation({ summary: 'The lines the job logged, oldest first' })
  @ApiPageResponse(JobLogResponseDto)
  logs(
    @Param('id', ParseUuidParamPipe) id: string,
    @Query() page: PageQueryDto,
  ) {
    return this.runs.logs(id, page);
  }

  @Post(':id/cancel')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel a queued, delayed or active job',
    description:
      'A queued or delayed job is cancelled at once and never runs; cancelling a cancelled job again returns it unchanged. An active job has its handler aborted and is returned still active: it becomes cancelled when the handler stops.',
  })
  @ApiOkResponse({ type: JobRunResponseDto })
  @ApiErrorResponse(409, 'The job is completed or failed')
  cancel(@Param('id', ParseUuidParamPipe) id: string) {
    return this.control.cancel(id);
  }

  @Post(':id/retry')
  @RequireRole('operator')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Run a failed or cancelled job again',
    description: 'Queues a new attempt of the same job run.',
  })
  @ApiAcceptedResponse({ type: JobRunResponseDto })
  @ApiErrorResponse(409, 'The job is neither failed nor cancelled')
  retry(@Param('id', ParseUuidParamPipe) id: string) {
    return this.control.retry(id);
  }
}
