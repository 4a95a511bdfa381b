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
import { PositiveIntPipe } from './positive-int.pipe';
import { AuditCommentDto } from './revert-request.dto';
import { RevertService } from './revert.service';
import { RevisionQueryDto } from './revision-query.dto';
import { RevisionsService } from './revisions.service';

/** Revisions: one transaction's changes each, with their versions. */
@Controller('revisions')
export class RevisionsController {
  constructor(
    private readonly revisions: RevisionsService,
    private readonly reverts: RevertService,
  ) {}

  @Get()
  list(@Query() query: RevisionQueryDto) {
    return this.revisions.list(query);
  }

  @Get(':id')
  get(@Param('id', new PositiveIntPipe('id')) id: number) {
    return this.revisions.get(id);
  }

  @Post(':id/revert')
  @RequireRole('editor')
  @HttpCode(200)
  revert(
    @Param('id', new PositiveIntPipe('id')) id: number,
    @Body() body: AuditCommentDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.reverts.revertRevision(id, body, actor);
  }
}
