import { Module } from '@nestjs/common';
import { PlatformModule } from '@greenlight/platform';

/** Registry of the decision layer. */
@Module({ imports: [PlatformModule], providers: [], exports: [] })
export class RegistryModule {}
