import { optionalText, setting } from './env-rules';

/** Launch decisions and their signed evidence. */
export const LAUNCH_SETTINGS = {
  // Never refused here: a refusal would print the value. The launch module checks it at start-up
  // and names the problem without the key.
  LAUNCH_EVIDENCE_SIGNING_KEY: setting(
    optionalText(),
    '',
    'Ed25519 private key that signs exported launch evidence: PKCS8 PEM (newlines may be written as \\n) or base64 of the PKCS8 DER (empty = export answers 503)',
  ),
};
