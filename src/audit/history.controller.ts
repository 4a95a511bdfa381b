import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Actor } from '../auth/actor';
import { CurrentActor, RequireRole } from '../auth/auth.decorators';
import { PageQueryDto } from '../common/pagination';
import {
  ApiErrorResponse,
  ApiPageResponse,
} from '../openapi/api-responses.decorators';
import {
  AsOfQueryDto,
  DiffQueryDto,
  HistoryQueryDto,
  VERSION_LIMITS,
} from './history-query.dto';
import {
  AsOfResponseDto,
  DeletedObjectResponseDto,
  DiffResponseDto,
  VersionDetailResponseDto,
  VersionResponseDto,
} from './history-response.dto';
import { HistoryService } from './history.service';
import { PositiveIntPipe } from './positive-int.pipe';
import { AuditCommentDto, RevertRequestDto } from './revert-request.dto';
import { RevertResponseDto } from './revert-response.dto';
import { RevertService } from './revert.service';
import { describeHistoryReadRoles } from './tracked-table.registry';

/** The object's own fields beside the fixed fields of RevertResponseDto. */
const REVERT_RESULT_SCHEMA = {
  allOf: [{ $ref: getSchemaPath(RevertResponseDto) }],
  additionalProperties: true,
  description:
    "The object's current fields (camelCase) with version, ignoredFields, reverted and revisionId",
};

/** The 403 of a history read: the reader's role is below the type's. */
const HISTORY_READ_FORBIDDEN = `The token's user may not read the history of this type. ${describeHistoryReadRoles()}`;

const NOT_REVERTABLE =
  'The entity type cannot be reverted or recovered, or the write breaks a constraint of its table (such as a reference to a missing row)';

/**
 * The history of any tracked entity type. `deleted` is declared before
 * `:id`, so it is never read as an object id.
 */
@ApiTags('History')
@ApiParam({
  name: 'type',
  description: `A tracked entity type, such as books; an unknown type is a 404 that lists the known ones. ${describeHistoryReadRoles()}`,
  example: 'books',
})
@ApiExtraModels(RevertResponseDto)
@Controller('history/:type')
export class HistoryController {
  constructor(
    private readonly history: HistoryService,
    private readonly reverts: RevertService,
  ) {}

  @Get('deleted')
  @ApiOperation({
    summary: 'Deleted objects of a type, newest delete first',
    description: 'Each with its delete and the last state it had.',
  })
  @ApiPageResponse(DeletedObjectResponseDto)
  @ApiErrorResponse(403, HISTORY_READ_FORBIDDEN)
  @ApiErrorResponse(404, 'Unknown entity type')
  deleted(
    @Param('type') type: string,
    @Query() query: PageQueryDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.history.deleted(type, query, actor.role);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Versions of one object, newest first',
    description:
      'Deleted objects keep their history. `beforeVersion` opens the list at any position.',
  })
  @ApiParam({
    name: 'id',
    description: 'The object id, as its table stores it',
  })
  @ApiPageResponse(VersionResponseDto)
  @ApiErrorResponse(403, HISTORY_READ_FORBIDDEN)
  @ApiErrorResponse(404, 'Unknown entity type, or the object has no history')
  list(
    @Param('type') type: string,
    @Param('id') id: string,
    @Query() query: HistoryQueryDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.history.list(type, id, query, actor.role);
  }

  @Get(':id/versions/:version')
  @ApiOperation({ summary: 'One version of an object, with its full row' })
  @ApiParam({ name: 'version', schema: VERSION_LIMITS })
  @ApiOkResponse({ type: VersionDetailResponseDto })
  @ApiErrorResponse(403, HISTORY_READ_FORBIDDEN)
  @ApiErrorResponse(
    404,
    'Unknown entity type, or the object has no such version',
  )
  version(
    @Param('type') type: string,
    @Param('id') id: string,
    @Param('version', new PositiveIntPipe('version')) version: number,
    @CurrentActor() actor: Actor,
  ) {
    return this.history.getVersion(type, id, version, actor.role);
  }

  @Get(':id/diff')
  @ApiOperation({
    summary: 'Field changes between two versions of an object',
    description:
      'Computed from the two snapshots; from may be above to, which shows the changes backwards.',
  })
  @ApiOkResponse({ type: DiffResponseDto })
  @ApiErrorResponse(403, HISTORY_READ_FORBIDDEN)
  @ApiErrorResponse(
    404,
    'Unknown entity type, or either version does not exist',
  )
  diff(
    @Param('type') type: string,
    @Param('id') id: string,
    @Query() query: DiffQueryDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.history.diff(type, id, query, actor.role);
  }

  @Get(':id/as-of')
  @ApiOperation({ summary: 'The version of an object in force at an instant' })
  @ApiOkResponse({ type: AsOfResponseDto })
  @ApiErrorResponse(403, HISTORY_READ_FORBIDDEN)
  @ApiErrorResponse(
    404,
    'Unknown entity type, no history, or the object did not exist (yet or any more) at that instant',
  )
  asOf(
    @Param('type') type: string,
    @Param('id') id: string,
    @Query() query: AsOfQueryDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.history.asOf(type, id, query, actor.role);
  }

  @Post(':id/revert')
  @RequireRole('editor')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Write an old version back as the current state of an object',
    description:
      'Creates a revert version, unless the object already matches (then `reverted` is false and nothing is written). Reverting users needs the admin role; api-tokens and job-runs cannot be reverted (422).',
  })
  @ApiOkResponse({ schema: REVERT_RESULT_SCHEMA })
  @ApiErrorResponse(
    409,
    'The object is deleted (recover it first), expectedVersion is not the current version, a unique value is taken, or a concurrent write got in the way',
  )
  @ApiErrorResponse(422, NOT_REVERTABLE)
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
  @ApiOperation({
    summary: 'Re-create a deleted object from its last version',
    description:
      'Recovering users needs the admin role; api-tokens and job-runs cannot be recovered (422).',
  })
  @ApiCreatedResponse({ schema: REVERT_RESULT_SCHEMA })
  @ApiErrorResponse(
    409,
    'The object exists, a unique value is taken, or a concurrent write got in the way',
  )
  @ApiErrorResponse(422, NOT_REVERTABLE)
  recover(
    @Param('type') type: string,
    @Param('id') id: string,
    @Body() body: AuditCommentDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.reverts.recover(type, id, body, actor);
  }
}
