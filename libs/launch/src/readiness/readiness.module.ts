import { Module } from '@nestjs/common';

/** An agent's launch readiness checklist. */
@Module({})
export class ReadinessModule {}
