/** Launch decisions and their signed evidence. */
export const LAUNCH_SETTINGS = {};
