import { Module } from '@nestjs/common';
import { SloReader } from './slo-reader';

/** SLO policies of agents, checked on every run and compare, and their violations. */
@Module({ providers: [SloReader], exports: [SloReader] })
export class SloModule {}
