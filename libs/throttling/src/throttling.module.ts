import { Module } from '@nestjs/common';

/** Rate limits shared by every worker process through Redis: judge providers and agents. */
@Module({})
export class ThrottlingModule {}
