/**
 * trove.conf: the INI file Trove reads at start-up (oslo.config's format:
 * `[section]` headers, `name = value` lines, `#` and `;` comments, indented
 * continuation lines). The service reads `bind_host`, `bind_port` and the
 * deprecated `api_extensions_path` from `[DEFAULT]`; other options are left
 * alone, as a Trove configuration holds many.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** A configuration file that cannot be used: the message names the file. */
export class ConfigError extends Error {
  readonly code = 'TROVE_CONFIG_ERROR';
  /**
   * @param file The configuration file (null for settings given in code).
   * @param reason What is wrong with it.
   */
  constructor(
    readonly file: string | null,
    reason: string,
  ) {
    super(file ? `${file}: ${reason}` : reason);
    this.name = 'ConfigError';
  }
}

export interface TroveConfig {
  /** The address to listen on. Default 127.0.0.1. */
  bindHost: string;
  /** The port to listen on (0: any free port). Default 8779. */
  bindPort: number;
  /** The deprecated extensions folder, resolved against the file's folder; null when not set. */
  apiExtensionsPath: string | null;
  /** The file these settings came from; null for the defaults. */
  file: string | null;
}

export const DEFAULT_CONFIG: TroveConfig = Object.freeze({
  bindHost: '127.0.0.1',
  bindPort: 8779,
  apiExtensionsPath: null,
  file: null,
});

/** Sections -> options, as written (names lower-cased, values trimmed). */
export type IniSections = Map<string, Map<string, string>>;

/** Parses INI text; throws {@link ConfigError} naming the file and line of the first malformed line. */
export function parseIni(text: string, file: string | null): IniSections {
  const sections: IniSections = new Map();
  let section: Map<string, string> | null = null;
  let lastKey: string | null = null;
  text.split(/\r?\n/).forEach((raw, index) => {
    const where = `line ${index + 1}`;
    if (/^\s*([#;]|$)/.test(raw)) return;
    if (/^\s/.test(raw) && section && lastKey !== null) {
      section.set(lastKey, `${section.get(lastKey)}\n${raw.trim()}`);
      return;
    }
    const header = /^\[([^\]]+)\]\s*$/.exec(raw);
    if (header) {
      const name = header[1].trim();
      section = sections.get(name) ?? new Map();
      sections.set(name, section);
      lastKey = null;
      return;
    }
    const option = /^([A-Za-z0-9_.-]+)\s*[=:]\s*(.*)$/.exec(raw);
    if (!option)
      throw new ConfigError(file, `${where}: expected "[section]" or "name = value", got ${JSON.stringify(raw)}`);
    if (!section) throw new ConfigError(file, `${where}: option ${option[1]} comes before any [section] header`);
    lastKey = option[1].toLowerCase();
    section.set(lastKey, option[2].trim());
  });
  return sections;
}

function parsePort(value: string, file: string | null): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new ConfigError(file, `bind_port must be a port number from 0 to 65535, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/** The service's settings from trove.conf text; `file` names it in errors and anchors relative paths. */
export function parseConfig(text: string, file: string | null): TroveConfig {
  const defaults = parseIni(text, file).get('DEFAULT') ?? new Map<string, string>();
  const folder = file ? path.dirname(file) : process.cwd();
  const extensionsPath = defaults.get('api_extensions_path');
  const bindHost = defaults.get('bind_host');
  const bindPort = defaults.get('bind_port');
  return {
    bindHost: bindHost || DEFAULT_CONFIG.bindHost,
    bindPort: bindPort ? parsePort(bindPort, file) : DEFAULT_CONFIG.bindPort,
    apiExtensionsPath: extensionsPath ? path.resolve(folder, extensionsPath) : null,
    file,
  };
}

/** Reads and parses a trove.conf; throws {@link ConfigError} naming the file when it cannot be read or is malformed. */
export function loadConfig(file: string): TroveConfig {
  const resolved = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(resolved, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ConfigError(resolved, `cannot read the configuration file: ${reason}`);
  }
  return parseConfig(text, resolved);
}
