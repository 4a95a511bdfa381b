import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { ParseUuidParamPipe } from '../common/parse-uuid-param.pipe';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Actor } from '../auth/actor';
import { CurrentActor, RequireRole } from '../auth/auth.decorators';
import { JobRunResponseDto } from '../jobs/job-run.mapper';
import { PageQueryDto } from '../common/pagination';
import {
  ApiErrorResponse,
  ApiPageResponse,
} from '../openapi/api-responses.decorators';
import {
  ScheduleCreateDto,
  ScheduleListQueryDto,
  ScheduleNextQueryDto,
  ScheduleUpdateDto,
} from './schedule.dto';
import {
  ScheduleNextResponseDto,
  ScheduleResponseDto,
  ScheduleSlotResponseDto,
} from './schedule.mapper';
import { SchedulesService } from './schedules.service';

const NAME_TAKEN = 'Another schedule has this name';

/** Viewers read schedules; operators manage them. */
@ApiTags('Schedules')
@Controller('schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Post()
  @RequireRole('operator')
  @ApiOperation({
    summary: 'Create a schedule',
    description:
      'Exactly one of cron, everyMs and runAt. The payload is checked against the job type, and a timing that leaves no slot between startAt and endAt is refused (400).',
  })
  @ApiCreatedResponse({ type: ScheduleResponseDto })
  @ApiErrorResponse(409, NAME_TAKEN)
  create(@Body() body: ScheduleCreateDto) {
    return this.schedules.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'List schedules, newest first' })
  @ApiPageResponse(ScheduleResponseDto)
  list(@Query() query: ScheduleListQueryDto) {
    return this.schedules.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One schedule' })
  @ApiOkResponse({ type: ScheduleResponseDto })
  get(@Param('id', ParseUuidParamPipe) id: string) {
    return this.schedules.get(id);
  }

  @Patch(':id')
  @RequireRole('operator')
  @ApiOperation({
    summary: 'Change fields of a schedule',
    description:
      'Giving cron, everyMs or runAt replaces the timing; null clears an optional field. The next run is computed again.',
  })
  @ApiOkResponse({ type: ScheduleResponseDto })
  @ApiErrorResponse(409, NAME_TAKEN)
  update(
    @Param('id', ParseUuidParamPipe) id: string,
    @Body() body: ScheduleUpdateDto,
  ) {
    return this.schedules.update(id, body);
  }

  @Delete(':id')
  @RequireRole('operator')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a schedule',
    description: 'Job runs it created stay.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@Param('id', ParseUuidParamPipe) id: string): Promise<void> {
    await this.schedules.remove(id);
  }

  @Post(':id/pause')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Pause a schedule',
    description: 'No slot fires while paused; pausing twice changes nothing.',
  })
  @ApiOkResponse({ type: ScheduleResponseDto })
  pause(@Param('id', ParseUuidParamPipe) id: string) {
    return this.schedules.pause(id);
  }

  @Post(':id/resume')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Resume a paused schedule from now',
    description:
      'Slots that passed while it was paused are not slots of the schedule: none fires and none is recorded.',
  })
  @ApiOkResponse({ type: ScheduleResponseDto })
  @ApiErrorResponse(
    409,
    'No slot is left (limit reached, endAt or runAt passed); change its timing instead',
  )
  resume(@Param('id', ParseUuidParamPipe) id: string) {
    return this.schedules.resume(id);
  }

  @Get(':id/next')
  @ApiOperation({
    summary: 'The next fire times of a schedule',
    description: 'None for a paused or finished schedule.',
  })
  @ApiOkResponse({ type: ScheduleNextResponseDto })
  next(
    @Param('id', ParseUuidParamPipe) id: string,
    @Query() query: ScheduleNextQueryDto,
  ) {
    return this.schedules.next(id, query.count);
  }

  @Get(':id/slots')
  @ApiOperation({
    summary: 'Decided slots of a schedule, newest first',
    description: 'Each slot fired, was skipped or was missed.',
  })
  @ApiPageResponse(ScheduleSlotResponseDto)
  slots(
    @Param('id', ParseUuidParamPipe) id: string,
    @Query() query: PageQueryDto,
  ) {
    return this.schedules.slots(id, query);
  }

  @Get(':id/runs')
  @ApiOperation({
    summary: 'Job runs a schedule created, newest first',
    description: 'scheduledFor of each run is the slot it was fired for.',
  })
  @ApiPageResponse(JobRunResponseDto)
  runs(
    @Param('id', ParseUuidParamPipe) id: string,
    @Query() query: PageQueryDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.schedules.runs(id, query, actor.role);
  }
}
