import { Injectable } from '@nestjs/common';

/**
 * Rate limits on outbound calls shared by every worker process. Placeholder: passes every call through
 * until the shared limits are built.
 */
@Injectable()
export class OutboundThrottle {
  /** The fetch a provider judge of `model` uses: every request waits for the provider's shared limits. */
  judgeFetch(_model: string, inner: typeof globalThis.fetch): typeof globalThis.fetch {
    return inner;
  }
}
