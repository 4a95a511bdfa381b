import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { RequireRole } from '../auth/auth.decorators';
import { PageQueryDto } from '../common/pagination';
import {
  ScheduleCreateDto,
  ScheduleListQueryDto,
  ScheduleNextQueryDto,
  ScheduleUpdateDto,
} from './schedule.dto';
import { SchedulesService } from './schedules.service';

/** Viewers read schedules; operators manage them. */
@Controller('schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Post()
  @RequireRole('operator')
  create(@Body() body: ScheduleCreateDto) {
    return this.schedules.create(body);
  }

  @Get()
  list(@Query() query: ScheduleListQueryDto) {
    return this.schedules.list(query);
  }

  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string) {
    return this.schedules.get(id);
  }

  @Patch(':id')
  @RequireRole('operator')
  update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: ScheduleUpdateDto,
  ) {
    return this.schedules.update(id, body);
  }

  @Delete(':id')
  @RequireRole('operator')
  @HttpCode(204)
  async remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.schedules.remove(id);
  }

  @Post(':id/pause')
  @RequireRole('operator')
  @HttpCode(200)
  pause(@Param('id', ParseUUIDPipe) id: string) {
    return this.schedules.pause(id);
  }

  @Post(':id/resume')
  @RequireRole('operator')
  @HttpCode(200)
  resume(@Param('id', ParseUUIDPipe) id: string) {
    return this.schedules.resume(id);
  }

  @Get(':id/next')
  next(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: ScheduleNextQueryDto,
  ) {
    return this.schedules.next(id, query.count);
  }

  @Get(':id/slots')
  slots(@Param('id', ParseUUIDPipe) id: string, @Query() query: PageQueryDto) {
    return this.schedules.slots(id, query);
  }
}
