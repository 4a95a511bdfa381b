import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { MetricsService } from './metrics.service';

@ApiTags('Operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Public((environment) => environment.METRICS_PUBLIC)
  @SkipThrottle()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Prometheus metrics of this API process',
    description:
      'Text exposition format. Open to requests without a token while METRICS_PUBLIC is true (the default); a viewer token is required otherwise.',
  })
  @ApiOkResponse({
    description: 'Metrics in the Prometheus text format',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  async scrape(@Res({ passthrough: true }) response: Response) {
    response.type(this.metrics.contentType);

    return this.metrics.render();
  }
}
