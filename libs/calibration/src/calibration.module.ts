import { Module } from '@nestjs/common';
import { PlatformModule } from '@greenlight/platform';
import { CalibrationService } from './calibration.service';

/** Judge calibration against human labels, and the calibration gate of an agent. */
@Module({ imports: [PlatformModule], providers: [CalibrationService], exports: [CalibrationService] })
export class CalibrationModule {}
