import { Module } from '@nestjs/common';
import { ReadinessReader } from './readiness-reader';

/** An agent's launch readiness checklist. */
@Module({ providers: [ReadinessReader], exports: [ReadinessReader] })
export class ReadinessModule {}
