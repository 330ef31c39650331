import { ErrorCode } from '@greenlight/contracts';
import { DomainError } from '../errors/domain-error';
import type { GuardedHttpClient } from './guarded-http-client';
import { OutboundError } from './outbound.types';

export interface SavedUrlCheck {
  /** The request field the URL came from, named in the error. */
  field: string;
  /** What the URL is, for the message ("webhook URL", "agent api_endpoint"). */
  label: string;
  /**
   * Accept a host name that does not resolve (yet): the call-time check still resolves and checks
   * every address, so this only spares a URL whose service is not deployed when it is registered.
   */
  allowUnresolved?: boolean;
}

/**
 * The outbound policy applied when a URL the platform will call later is saved: the same checks every
 * call makes (scheme, credentials, loopback/private/metadata addresses unless OUTBOUND_ALLOWED_HOSTS
 * permits them), so a refused URL is refused at once with OUTBOUND_URL_REFUSED instead of failing at
 * every call.
 */
export async function assertSavableUrl(http: GuardedHttpClient, url: string, check: SavedUrlCheck): Promise<void> {
  try {
    await http.assertAllowedUrl(url);
  } catch (err) {
    if (!(err instanceof OutboundError)) throw err;
    if (err.kind === 'dns' && check.allowUnresolved) return;
    throw new DomainError(ErrorCode.OUTBOUND_URL_REFUSED, `${check.label} refused: ${err.message}`, { field: check.field, kind: err.kind, ...err.details });
  }
}
