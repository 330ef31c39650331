import { Module } from '@nestjs/common';
import { PlatformModule } from '@greenlight/platform';
import { RunPromotionService } from './run-promotion.service';
import { RunRefResolver } from './run-ref-resolver';
import { RunRegistryService } from './run-registry.service';

const PROVIDERS = [RunRefResolver, RunRegistryService, RunPromotionService];

/** The run registry: named baseline and candidate references of an agent, and the gated promotion of a candidate. */
@Module({ imports: [PlatformModule], providers: PROVIDERS, exports: PROVIDERS })
export class RegistryModule {}
