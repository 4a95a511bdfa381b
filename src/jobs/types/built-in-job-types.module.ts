import { Module } from '@nestjs/common';
import { SystemNoopJob } from './system-noop.job';
import { WebhookDeliverJob } from './webhook-deliver.job';

/** Job types that need no domain module: system.noop and webhook.deliver. */
@Module({ providers: [SystemNoopJob, WebhookDeliverJob] })
export class BuiltInJobTypesModule {}
