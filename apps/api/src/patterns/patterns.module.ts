import { Module } from '@nestjs/common';
import { GovernanceModule } from '@greenlight/governance';

@Module({ imports: [GovernanceModule], controllers: [] })
export class PatternsApiModule {}
