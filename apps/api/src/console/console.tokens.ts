/** Injection tokens of the console module. */
export const CONSOLE_SETTINGS = 'CONSOLE_SETTINGS';
export const AUTH_CONFIG = 'CONSOLE_AUTH_CONFIG';
