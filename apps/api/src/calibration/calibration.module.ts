import { Module } from '@nestjs/common';
import { CalibrationModule } from '@greenlight/calibration';
import { CalibrationController } from './calibration.controller';

@Module({ imports: [CalibrationModule], controllers: [CalibrationController] })
export class CalibrationApiModule {}
