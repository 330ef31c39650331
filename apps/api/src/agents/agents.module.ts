import { Module } from '@nestjs/common';
import { AgentsController } from './agents.controller';
import { EvalProfilesController } from './eval-profiles.controller';

@Module({ controllers: [AgentsController, EvalProfilesController] })
export class AgentsModule {}
