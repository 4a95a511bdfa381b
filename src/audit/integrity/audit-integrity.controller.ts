import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../../auth/auth.decorators';
import { invalid } from '../../common/errors';
import {
  AuditPruneDto,
  AuditSealDto,
  AuditVerifyQueryDto,
} from './audit-integrity.dto';
import {
  AuditPruneResult,
  AuditRetentionService,
} from './audit-retention.service';
import { AuditSealResult, AuditSealService } from './audit-seal.service';
import { AuditVerifyResult, AuditVerifyService } from './audit-verify.service';

@ApiTags('Audit integrity')
@Controller('audit')
export class AuditIntegrityController {
  constructor(
    private readonly sealer: AuditSealService,
    private readonly verifier: AuditVerifyService,
    private readonly retention: AuditRetentionService,
  ) {}

  @Post('seal')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Extend the hash chain over the revisions not sealed yet',
    description:
      'Seals revisions older than settleMs. Record lastSeq and lastHash outside the database to check the chain against later.',
  })
  @ApiOkResponse({ type: AuditSealResult })
  seal(@Body() body: AuditSealDto) {
    return this.sealer.seal({ settleMs: body.settleMs });
  }

  @Get('verify')
  @ApiOperation({
    summary: 'Recompute the hash chain and report the first tampered revision',
    description:
      'Checks the sealed revisions created in [from, to). With anchorSeq and anchorHash it also checks that the seal recorded earlier is unchanged.',
  })
  @ApiOkResponse({ type: AuditVerifyResult })
  verify(@Query() query: AuditVerifyQueryDto) {
    const { from, to, anchorSeq, anchorHash } = query;
    if ((anchorSeq === undefined) !== (anchorHash === undefined)) {
      throw invalid('Give anchorSeq and anchorHash together');
    }
    const anchor =
      anchorSeq === undefined || anchorHash === undefined
        ? undefined
        : { seq: anchorSeq, hash: anchorHash };

    return this.verifier.verify({ from, to, anchor });
  }

  @Post('prune')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Remove old versions, recording what was removed',
    description:
      'An object keeps its latest version. The prune is a revision of its own, and a digest of each removed version keeps the hash chain verifiable.',
  })
  @ApiOkResponse({ type: AuditPruneResult })
  prune(@Body() body: AuditPruneDto) {
    return this.retention.prune(body);
  }
}
