import { Module } from '@nestjs/common';
import { PlatformModule } from '@greenlight/platform';

/** Patterns of the decision layer. */
@Module({ imports: [PlatformModule], providers: [], exports: [] })
export class PatternsModule {}
