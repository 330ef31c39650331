/** Rate limits shared by every worker process: judge providers (requests and tokens per minute) and agents. */
export const THROTTLE_SETTINGS = {};
