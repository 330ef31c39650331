import { Module } from '@nestjs/common';
import { GovernanceModule } from '@greenlight/governance';
import { RunRegistryController } from './run-registry.controller';

@Module({ imports: [GovernanceModule], controllers: [RunRegistryController] })
export class RegistryApiModule {}
