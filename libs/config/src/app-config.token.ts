/** The injection token of the process's validated AppConfig (see loadConfig). */
export const APP_CONFIG = Symbol('APP_CONFIG');
