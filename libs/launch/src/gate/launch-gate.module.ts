import { Module } from '@nestjs/common';
import { CalibrationModule } from '@greenlight/calibration';
import { NotificationsModule } from '@greenlight/notifications';
import { PlatformModule } from '@greenlight/platform';
import { LaunchGateService } from './launch-gate.service';

const PROVIDERS = [LaunchGateService];

/** The launch gate, launch decisions, certifications and their tamper-evident evidence chain. */
@Module({ imports: [PlatformModule, CalibrationModule, NotificationsModule], providers: PROVIDERS, exports: PROVIDERS })
export class LaunchGateModule {}
