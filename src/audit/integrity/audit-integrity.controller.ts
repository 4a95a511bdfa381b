import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { RequireRole } from '../../auth/auth.decorators';
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
    return this.verifier.verify({ from: query.from, to: query.to });
  }

  @Post('prune')
  @RequireRole('admin')
  @HttpCode(200)
  prune(@Body() body: AuditPruneDto) {
    return this.retention.prune(body);
  }
}
