import { Module } from '@nestjs/common';

/** Read views of an agent's and an org's launch posture: activity, score trend, health, portfolio. */
@Module({})
export class LaunchViewsModule {}
