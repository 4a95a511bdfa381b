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
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { Actor } from '../auth/actor';
import { CurrentActor, RequireRole } from '../auth/auth.decorators';
import {
  ApiErrorResponse,
  ApiPageResponse,
} from '../openapi/api-responses.decorators';
import { RevisionResponseDto } from './history-response.dto';
import { MAX_VERSION } from './history-query.dto';
import { PositiveIntPipe } from './positive-int.pipe';
import { RevisionRevertRequestDto } from './revert-request.dto';
import { RevisionRevertResponseDto } from './revert-response.dto';
import { RevertService } from './revert.service';
import { RevisionQueryDto } from './revision-query.dto';
import { RevisionsService } from './revisions.service';
import { describeHistoryReadRoles } from './tracked-table.registry';

/** A revision id: an integer from 1 to 2^31 - 1 (PositiveIntPipe). */
const ID_SCHEMA = {
  type: 'integer',
  minimum: 1,
  maximum: MAX_VERSION,
} as const;

/** OpenAPI sentence on the versions that revisions leave out for a reader. */
const REVISION_VERSIONS_HIDDEN = `Every revision is returned, but \`versions\` leaves out the versions of types whose history the token's user may not read. ${describeHistoryReadRoles()}`;

/** Revisions: one transaction's changes each, with their versions. */
@ApiTags('History')
@Controller('revisions')
export class RevisionsController {
  constructor(
    private readonly revisions: RevisionsService,
    private readonly reverts: RevertService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'List revisions, newest first, with their versions',
    description: `The time range includes \`from\` and excludes \`to\`. ${REVISION_VERSIONS_HIDDEN}`,
  })
  @ApiPageResponse(RevisionResponseDto)
  @ApiErrorResponse(
    403,
    `\`type\` is a type whose history the token's user may not read. ${describeHistoryReadRoles()}`,
  )
  list(@Query() query: RevisionQueryDto, @CurrentActor() actor: Actor) {
    return this.revisions.list(query, actor.role);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One revision with its versions',
    description: REVISION_VERSIONS_HIDDEN,
  })
  @ApiParam({ name: 'id', schema: ID_SCHEMA })
  @ApiOkResponse({ type: RevisionResponseDto })
  get(
    @Param('id', new PositiveIntPipe('id')) id: number,
    @CurrentActor() actor: Actor,
  ) {
    return this.revisions.get(id, actor.role);
  }

  @Post(':id/revert')
  @RequireRole('editor')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Undo every change of a revision in one new revision',
    description:
      'Sets every object the revision touched back to its state before it: objects it created are deleted, objects it deleted are recovered. All objects are reverted or none is. When later revisions changed any of those objects, the revert is a 409 unless force is true, because it would discard those later changes.',
  })
  @ApiParam({ name: 'id', schema: ID_SCHEMA })
  @ApiOkResponse({ type: RevisionRevertResponseDto })
  @ApiErrorResponse(
    409,
    'Later revisions changed an object of the revision (without force), a unique value is taken, or a concurrent write got in the way',
  )
  @ApiErrorResponse(
    422,
    'The revision touches a type that cannot be reverted, or the writes break a constraint that no order of them avoids',
  )
  revert(
    @Param('id', new PositiveIntPipe('id')) id: number,
    @Body() body: RevisionRevertRequestDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.reverts.revertRevision(id, body, actor);
  }
}
