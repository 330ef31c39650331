import { Module } from '@nestjs/common';
import { PlatformModule } from '@greenlight/platform';
import { ReadinessReader } from './readiness-reader';
import { ReadinessService } from './readiness.service';

/** An agent's launch readiness checklist. */
@Module({ imports: [PlatformModule], providers: [ReadinessReader, ReadinessService], exports: [ReadinessReader, ReadinessService] })
export class ReadinessModule {}
