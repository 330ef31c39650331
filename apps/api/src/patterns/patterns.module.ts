import { Module } from '@nestjs/common';
import { GovernanceModule } from '@greenlight/governance';
import { PatternsController } from './patterns.controller';

@Module({ imports: [GovernanceModule], controllers: [PatternsController] })
export class PatternsApiModule {}
