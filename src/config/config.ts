// .logbook/config.yaml: team settings, committed. The schema and its validation are in schema.ts; this module only
// reads the file and asks the parse cache, so that the YAML parser and zod load only when the text has changed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../errors.js";
import { cachedParse } from "./cache.js";
import type { Config } from "./schema.js";

export type { Config } from "./schema.js";

export const CONFIG_PATH = ".logbook/config.yaml";

/**
 * Reads and validates the repo's config; a missing file is the defaults. Throws ConfigError (78) when invalid.
 * `cacheDir` (the repo's `.git/logbook/cache`) keeps the result of validating the same text before.
 */
export async function loadConfig(root: string, warn: (m: string) => void, cacheDir?: string): Promise<Config> {
  let text: string | null;
  try {
    text = readFileSync(join(root, CONFIG_PATH), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new ConfigError(`${CONFIG_PATH}: cannot read it: ${(e as Error).message}`);
    text = null;
  }
  const parsed = await cachedParse<Config>(cacheDir, "config", text, async () => {
    const { configSchema, parseConfigText } = await import("./schema.js");
    if (text === null) return { value: configSchema.parse({}), warnings: [] };
    const { parseYaml } = await import("../util/yaml.js");
    const v = parseConfigText(text, CONFIG_PATH, (t) => parseYaml(t));
    if (!v.value) {
      for (const w of v.warnings) warn(w);
      throw new ConfigError(`${v.errors.join("; ")}. Fix ${CONFIG_PATH} and run again.`, { errors: v.errors });
    }
    return { value: v.value, warnings: v.warnings };
  });
  for (const w of parsed.warnings) warn(w);
  return parsed.value;
}
