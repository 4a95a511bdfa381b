import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import type { Actor } from '../auth/actor';
import { CurrentActor, RequireRole } from '../auth/auth.decorators';
import { PageQueryDto } from '../common/pagination';
import {
  AsOfQueryDto,
  DiffQueryDto,
  HistoryQueryDto,
} from './history-query.dto';
import { HistoryService } from './history.service';
import { PositiveIntPipe } from './positive-int.pipe';
import { AuditCommentDto, RevertRequestDto } from './revert-request.dto';
import { RevertService } from './revert.service';

/**
 * The history of any tracked entity type. `deleted` is declared before
 * `:id`, so it is never read as an object id.
 */
@Controller('history/:type')
export class HistoryController {
  constructor(
    private readonly history: HistoryService,
    private readonly reverts: RevertService,
  ) {}

  @Get('deleted')
  deleted(@Param('type') type: string, @Query() query: PageQueryDto) {
    return this.history.deleted(type, query);
  }

  @Get(':id')
  list(
    @Param('type') type: string,
    @Param('id') id: string,
    @Query() query: HistoryQueryDto,
  ) {
    return this.history.list(type, id, query);
  }

  @Get(':id/versions/:version')
  version(
    @Param('type') type: string,
    @Param('id') id: string,
    @Param('version', new PositiveIntPipe('version')) version: number,
  ) {
    return this.history.getVersion(type, id, version);
  }

  @Get(':id/diff')
  diff(
    @Param('type') type: string,
    @Param('id') id: string,
    @Query() query: DiffQueryDto,
  ) {
    return this.history.diff(type, id, query);
  }

  @Get(':id/as-of')
  asOf(
    @Param('type') type: string,
    @Param('id') id: string,
    @Query() query: AsOfQueryDto,
  ) {
    return this.history.asOf(type, id, query);
  }

  @Post(':id/revert')
  @RequireRole('editor')
  @HttpCode(200)
  revert(
    @Param('type') type: string,
    @Param('id') id: string,
    @Body() body: RevertRequestDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.reverts.revert(type, id, body, actor);
  }

  @Post(':id/recover')
  @RequireRole('editor')
  recover(
    @Param('type') type: string,
    @Param('id') id: string,
    @Body() body: AuditCommentDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.reverts.recover(type, id, body, actor);
  }
}
