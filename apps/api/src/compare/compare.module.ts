import { Module } from '@nestjs/common';
import { GovernanceModule } from '@greenlight/governance';
import { CompareController } from './compare.controller';

@Module({ imports: [GovernanceModule], controllers: [CompareController] })
export class CompareApiModule {}
