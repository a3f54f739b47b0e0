// Vault fixtures: age key files, a repo configured for vault mode with a vault clone (optionally with a bare remote),
// and a plaintext scan of a directory tree.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { loadConfig, type Config } from "../../src/config/config.js";
import { generateKey } from "../../src/vault/crypto.js";
import { git, isolatedEnv, tmpDir } from "../helpers/index.js";

type Ctx = Pick<TestContext, "after">;

export interface Key {
  file: string;
  recipient: string;
}

/** A fresh age identity in a 0600 file under `dir`. */
export async function makeKey(dir: string, name: string): Promise<Key> {
  const { identity, recipient } = await generateKey();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.key`);
  writeFileSync(file, `# public key: ${recipient}\n${identity}\n`, { mode: 0o600 });
  return { file, recipient };
}

export function configYaml(o: { path?: string; recipients?: string[]; secrets?: "vault" | "inline" }): string {
  const lines = ["timezone: America/Los_Angeles", `secrets: ${o.secrets ?? "vault"}`];
  if (o.path !== undefined || o.recipients !== undefined) {
    lines.push("vault:");
    if (o.path !== undefined) lines.push(`  path: ${JSON.stringify(o.path)}`);
    if (o.recipients?.length === 0) lines.push("  recipients: []");
    else if (o.recipients !== undefined) lines.push("  recipients:", ...o.recipients.map((r) => `    - ${r}`));
  }
  return lines.join("\n") + "\n";
}

/** A bare vault remote with one commit, and a clone of it at `clone`. */
export function makeVaultRemote(root: string, clone: string, env: Record<string, string>): string {
  const remote = join(root, "vault.git");
  git(root, ["init", "-q", "--bare", "-b", "main", remote], env);
  git(root, ["clone", "-q", remote, clone], env);
  writeFileSync(join(clone, "README.md"), "team vault\n");
  git(clone, ["add", "-A"], env);
  git(clone, ["commit", "-qm", "init"], env);
  git(clone, ["push", "-q", "-u", "origin", "main"], env);
  return remote;
}

export interface VaultFixture {
  /** The main repo (a plain `git init`, enough for openRepo). */
  root: string;
  /** The vault clone. */
  vault: string;
  home: string;
  env: Record<string, string>;
  keys: Key[];
  config: Config;
}

/** A main repo in vault mode with a vault clone beside it (`vault.path: ../vault`) and `keyCount` recipients. */
export async function vaultFixture(t: Ctx, o: { keyCount?: number; yaml?: (keys: Key[]) => string } = {}): Promise<VaultFixture> {
  const dir = tmpDir(t, "lb-vault-");
  const home = join(dir, "home");
  const env = isolatedEnv(home);
  const root = join(dir, "main");
  const vault = join(dir, "vault");
  git(dir, ["init", "-q", "-b", "main", root], env);
  git(dir, ["init", "-q", "-b", "main", vault], env);
  const keys: Key[] = [];
  for (let i = 0; i < (o.keyCount ?? 1); i++) keys.push(await makeKey(join(dir, "keys"), `k${i + 1}`));
  mkdirSync(join(root, ".logbook"), { recursive: true });
  writeFileSync(join(root, ".logbook", "config.yaml"), o.yaml ? o.yaml(keys) : configYaml({ path: "../vault", recipients: keys.map((k) => k.recipient) }));
  const config = await loadConfig(root, () => {});
  return { root, vault, home, env, keys, config };
}

/** Every file under `dir` (`.git` included) whose bytes contain `needle`, as relative paths. */
export function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p, r);
      else if (e.isFile() && readFileSync(p).includes(needle)) hits.push(r);
    }
  };
  walk(dir, "");
  return hits;
}

/** Files in `dir` (recursive, `.git` excluded), relative. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (rel === "" && e.name === ".git") continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(d, e.name), r);
      else out.push(r);
    }
  };
  walk(dir, "");
  return out.sort();
}

export { tmpDir };
