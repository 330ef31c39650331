import { Module } from '@nestjs/common';
import { EvaluationModule } from '@greenlight/evaluation';
import { NotificationsModule } from '@greenlight/notifications';
import { PlatformModule } from '@greenlight/platform';
import { PatternsModule } from '../patterns/patterns.module';
import { CompareHooks } from './compare-hooks';
import { CompareService } from './compare.service';

/** Compare of the decision layer: a candidate run against a baseline run, stored with its evidence. */
@Module({
  imports: [PlatformModule, EvaluationModule, NotificationsModule, PatternsModule],
  providers: [CompareService, CompareHooks],
  exports: [CompareService, CompareHooks],
})
export class CompareModule {}
