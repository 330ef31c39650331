import { Controller } from '@nestjs/common';

@Controller('api/v1')
export class LaunchEvidenceController {}
