import { Module } from '@nestjs/common';
import { CompareModule } from './compare/compare.module';
import { PatternsModule } from './patterns/patterns.module';
import { RegistryModule } from './registry/registry.module';

/** Is the candidate worse than the baseline, and can we be sure: compares, issue patterns, the run registry. */
@Module({ imports: [PatternsModule, CompareModule, RegistryModule], exports: [PatternsModule, CompareModule, RegistryModule] })
export class GovernanceModule {}
