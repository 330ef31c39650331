import { Module } from '@nestjs/common';

/** SLO policies of agents, checked on every run and compare, and their violations. */
@Module({})
export class SloModule {}
