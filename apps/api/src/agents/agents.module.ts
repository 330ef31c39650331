import { Module } from '@nestjs/common';
import { AccountsModule } from '@greenlight/accounts';
import { EvaluationModule } from '@greenlight/evaluation';
import { AgentsController } from './agents.controller';
import { EvalProfilesController } from './eval-profiles.controller';

@Module({ imports: [AccountsModule, EvaluationModule], controllers: [AgentsController, EvalProfilesController] })
export class AgentsApiModule {}
