import { Module } from '@nestjs/common';
import { EvaluationModule } from '@greenlight/evaluation';
import { EvalRunsController } from './eval-runs.controller';
import { EvalTemplatesController } from './eval-templates.controller';
import { ResultReviewController } from './result-review.controller';

@Module({ imports: [EvaluationModule], controllers: [EvalRunsController, EvalTemplatesController, ResultReviewController] })
export class EvaluationApiModule {}
