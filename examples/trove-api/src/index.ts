/** trove-api as a library: build the service, read its configuration, and the extension framework. */
export { createServer, fault, API_VERSION } from './server';
export type { ServerOptions, TroveApiServer } from './server';
export { loadConfig, parseConfig, parseIni, ConfigError, DEFAULT_CONFIG } from './config';
export type { TroveConfig } from './config';
export { Database, demoInstances } from './models';
export * from './framework';
