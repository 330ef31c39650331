import { Module } from '@nestjs/common';

/** The launch gate, launch decisions, certifications and their tamper-evident evidence chain. */
@Module({})
export class LaunchGateModule {}
