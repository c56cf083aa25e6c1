/**
 * `trove-api [--config-file FILE]`: reads trove.conf, loads the API
 * extensions, serves them, and says what it loaded and what to try. Ctrl-C
 * or SIGTERM stops it after closing the listening socket and open connections.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TroveConfig } from './config';
import { DEFAULT_CONFIG, loadConfig } from './config';
import { describeSource } from './framework/manager';
import type { TroveApiServer } from './server';
import { createServer } from './server';

const PACKAGE_ROOT = path.resolve(__dirname, '..');
/** Used when neither `--config-file` nor `TROVE_CONFIG_FILE` names one. */
export const DEFAULT_CONFIG_FILE = path.join(PACKAGE_ROOT, 'etc', 'trove', 'trove.conf');

const USAGE = `usage: trove-api [--config-file FILE]

Serves the Trove API and the extensions installed in the trove.api.extensions namespace.
FILE defaults to $TROVE_CONFIG_FILE, else ${DEFAULT_CONFIG_FILE}.`;

/** The configuration file named on the command line or in the environment (default: the bundled one). */
export function configFileFrom(argv: string[], env: NodeJS.ProcessEnv): string {
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === '--config-file' && argv[index + 1]) return argv[index + 1];
    if (arg.startsWith('--config-file=')) return arg.slice('--config-file='.length);
    throw Object.assign(new Error(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`), { usage: true });
  }
  return env.TROVE_CONFIG_FILE || DEFAULT_CONFIG_FILE;
}

/** What to try with curl, for the extensions that are loaded. */
function examples(service: TroveApiServer, url: string): string[] {
  const aliases = new Set(service.loaded.map((loaded) => loaded.alias));
  const id = service.db.listInstances('demo')[0]?.id ?? '<instance id>';
  const lines = [
    `curl ${url}/extensions`,
    `curl ${url}/extensions/MYSQL`,
    `curl ${url}/demo/instances`,
    `curl ${url}/demo/instances/${id}`,
  ];
  if (aliases.has('Mgmt')) lines.push(`curl ${url}/demo/mgmt/instances`);
  if (aliases.has('MYSQL')) {
    lines.push(
      `curl ${url}/demo/instances/${id}/databases`,
      `curl -X POST -H 'Content-Type: application/json' -d '{"databases": [{"name": "shop"}]}' ${url}/demo/instances/${id}/databases`,
      `curl ${url}/demo/instances/${id}/users`,
    );
  }
  if (aliases.has('TAGS')) {
    lines.push(
      `curl -X POST -H 'Content-Type: application/json' -d '{"addTags": {"tags": ["prod"]}}' ${url}/demo/instances/${id}/action`,
      `curl ${url}/demo/instances/${id}/tags`,
    );
  }
  return lines;
}

function report(service: TroveApiServer, url: string, config: TroveConfig): void {
  const out = (line = ''): void => void process.stdout.write(`${line}\n`);
  out(`trove-api: configuration ${config.file ?? '(defaults)'}`);
  out(
    `Loaded ${service.loaded.length} API extension(s) from the trove.api.extensions namespace${config.apiExtensionsPath ? ' and api_extensions_path' : ''}:`,
  );
  for (const { alias, descriptor, source } of service.loaded) {
    out(`  ${alias.padEnd(8)} ${descriptor.getName()} - from ${describeSource(source)}`);
    const routes = service.api.router.list().filter((route) => route.owner.split(', ').includes(alias));
    const hooks = service.api.requestHooks.filter((hook) => hook.owner === alias);
    for (const route of routes) out(`           ${route.method} /v1.0${route.template}`);
    for (const hook of hooks) out(`           ${hook.method} /v1.0${hook.urlRoute}  (adds to the response)`);
  }
  for (const { label, reason } of service.skipped) out(`  skipped  ${label}: ${reason}`);
  out();
  out(`trove-api listening on ${url}`);
  out('Try:');
  for (const line of examples(service, url)) out(`  ${line}`);
  out();
  out('Press Ctrl-C to stop.');
}

/** Runs the service until SIGINT or SIGTERM; resolves to the exit code. */
export async function main(argv = process.argv.slice(2), env = process.env): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let service: TroveApiServer;
  let url: string;
  let config: TroveConfig;
  try {
    const file = configFileFrom(argv, env);
    const usingDefault = !argv.length && !env.TROVE_CONFIG_FILE;
    config = usingDefault && !existsSync(file) ? DEFAULT_CONFIG : loadConfig(file);
    service = createServer({
      config,
      warn: ({ code, message }) => process.stderr.write(`WARNING [${code}] ${message}\n`),
      log: (line) => process.stdout.write(`${line}\n`),
    });
    url = await service.listen();
  } catch (error) {
    const { message, usage } = error as Error & { usage?: boolean };
    process.stderr.write(`trove-api: error: ${message}\n`);
    return usage ? 2 : 1;
  }
  report(service, url, config);
  // Listeners stay installed: Ctrl-C reaches both npm and this process, and
  // npm forwards its copy, so a second signal must not kill us mid-shutdown.
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.on('SIGINT', resolve);
    process.on('SIGTERM', resolve);
  });
  process.stdout.write(`trove-api: ${signal} received, shutting down\n`);
  await service.close();
  process.stdout.write('trove-api: stopped\n');
  return 0;
}

if (require.main === module) {
  main().then((code) => {
    process.exitCode = code;
  });
}
