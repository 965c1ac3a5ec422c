/**
 * Where the broker's settings come from, lowest precedence first: the built-in defaults,
 * a TOML file (`--config`), `DATACORE_<KEY>` environment variables, command-line flags.
 */
import {
  type BrokerConfig,
  CONFIG_KEYS,
  ConfigError,
  type ConfigLayer,
  resolveConfig,
} from "../broker/config.ts";

export const ENV_PREFIX = "DATACORE_";

export async function readTomlLayer(path: string): Promise<ConfigLayer> {
  const file = Bun.file(path);
  if (!(await file.exists())) throw new ConfigError("--config", `no such file ${path}`, "flag");
  let parsed: unknown;
  try {
    parsed = Bun.TOML.parse(await file.text());
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ConfigError("--config", `${path} is not valid TOML: ${why}`, "flag");
  }
  return { source: path, values: parsed as Record<string, unknown> };
}

/**
 * Only variables naming a known key are read: `DATACORE_BROKERS` and friends belong to the
 * admin commands, not the broker.
 */
export function envLayer(env: Record<string, string | undefined>): ConfigLayer {
  const values: Record<string, unknown> = {};
  for (const key of Object.keys(CONFIG_KEYS) as (keyof BrokerConfig)[]) {
    const value = env[ENV_PREFIX + key.toUpperCase()];
    if (value !== undefined) values[key] = value;
  }
  return { source: "environment", values, spell: (key) => ENV_PREFIX + key.toUpperCase() };
}

export interface ConfigSources {
  configPath?: string | undefined;
  env: Record<string, string | undefined>;
  flags: Partial<Record<keyof BrokerConfig, unknown>>;
}

export async function loadConfig(sources: ConfigSources): Promise<BrokerConfig> {
  const layers: ConfigLayer[] = [];
  if (sources.configPath !== undefined) layers.push(await readTomlLayer(sources.configPath));
  layers.push(envLayer(sources.env));
  layers.push({
    source: "flag",
    values: sources.flags,
    spell: (key) => `--${key.replaceAll("_", "-")}`,
  });
  return resolveConfig(layers);
}

/** The effective config as TOML, for `--print-config`. */
export function renderToml(config: BrokerConfig): string {
  let out = "";
  for (const key of Object.keys(CONFIG_KEYS) as (keyof BrokerConfig)[]) {
    const value = config[key];
    out += `${key} = ${typeof value === "string" ? JSON.stringify(value) : String(value)}\n`;
  }
  return out;
}
