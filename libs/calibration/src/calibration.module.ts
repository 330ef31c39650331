import { Module } from '@nestjs/common';
import { EvaluationModule } from '@greenlight/evaluation';
import { PlatformModule } from '@greenlight/platform';
import { CalibrationRunGate } from './calibration-run-gate';
import { CalibrationService } from './calibration.service';

/**
 * Judge calibration against human labels, and the calibration gate of an agent. Importing it registers
 * the gate's start check on runs (RunHooks of EvaluationModule), in every app that moves runs.
 */
@Module({ imports: [PlatformModule, EvaluationModule], providers: [CalibrationService, CalibrationRunGate], exports: [CalibrationService] })
export class CalibrationModule {}
