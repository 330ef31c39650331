import { Module } from '@nestjs/common';
import { NotificationsModule } from '@greenlight/notifications';
import { PlatformModule } from '@greenlight/platform';
import { PatternEvents } from './pattern-events';
import { PatternsService } from './patterns.service';
import { RegressionPatterns } from './regression-patterns';

/** Issue patterns: their lifecycle through the transition matrix, history and events; the patterns compares raise and settle. */
@Module({ imports: [PlatformModule, NotificationsModule], providers: [PatternsService, PatternEvents, RegressionPatterns], exports: [PatternsService] })
export class PatternsModule {}
