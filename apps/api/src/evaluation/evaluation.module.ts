import { Module } from '@nestjs/common';
import { EvalRunsController } from './eval-runs.controller';
import { EvalTemplatesController } from './eval-templates.controller';

@Module({ controllers: [EvalRunsController, EvalTemplatesController] })
export class EvaluationModule {}
