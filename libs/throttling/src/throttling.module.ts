import { Module } from '@nestjs/common';
import { OutboundThrottle } from './outbound-throttle';

/** Rate limits shared by every worker process through Redis: judge providers and agents. */
@Module({ providers: [OutboundThrottle], exports: [OutboundThrottle] })
export class ThrottlingModule {}
