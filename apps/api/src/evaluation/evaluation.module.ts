import { Module } from '@nestjs/common';
import { EvaluationModule } from '@greenlight/evaluation';
import { EvalRunsController } from './eval-runs.controller';
import { EvalTemplatesController } from './eval-templates.controller';

@Module({ imports: [EvaluationModule], controllers: [EvalRunsController, EvalTemplatesController] })
export class EvaluationApiModule {}
