import { Module } from '@nestjs/common';
import { PlatformModule } from '@greenlight/platform';

/** Compare of the decision layer. */
@Module({ imports: [PlatformModule], providers: [], exports: [] })
export class CompareModule {}
