import { Module } from '@nestjs/common';
import { CalibrationModule } from '@greenlight/calibration';
import { EvaluationModule } from '@greenlight/evaluation';
import { NotificationsModule } from '@greenlight/notifications';
import { PlatformModule } from '@greenlight/platform';
import { CertificationEvidence } from './certification-evidence';
import { EvidenceSigner } from './evidence-signer';
import { LaunchEvidenceService } from './launch-evidence.service';
import { LaunchGateService } from './launch-gate.service';
import { LaunchRecordsService } from './launch-records.service';

const PROVIDERS = [LaunchGateService, LaunchRecordsService, LaunchEvidenceService, EvidenceSigner, CertificationEvidence];

/** The launch gate, launch decisions, certifications and their tamper-evident evidence chain. */
@Module({ imports: [PlatformModule, EvaluationModule, CalibrationModule, NotificationsModule], providers: PROVIDERS, exports: PROVIDERS })
export class LaunchGateModule {}
