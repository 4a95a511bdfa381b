import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { RequireRole } from '../../auth/auth.decorators';
import { invalid } from '../../common/errors';
import {
  AuditPruneDto,
  AuditSealDto,
  AuditVerifyQueryDto,
} from './audit-integrity.dto';
import { AuditRetentionService } from './audit-retention.service';
import { AuditSealService } from './audit-seal.service';
import { AuditVerifyService } from './audit-verify.service';

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
  seal(@Body() body: AuditSealDto) {
    return this.sealer.seal({ settleMs: body.settleMs });
  }

  @Get('verify')
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
  prune(@Body() body: AuditPruneDto) {
    return this.retention.prune(body);
  }
}
