// macOS: a launchd agent, ~/Library/LaunchAgents/<name>.plist, loaded into the user's GUI domain with the modern
// bootstrap/bootout verbs (macOS 10.11+). Pure: the plist, the plans, and the parsers.
import { posix } from "node:path";
import type { CmdResult } from "../runner.js";
import type { Plan, Step, Target } from "../plan.js";

export function plistPath(home: string, name: string): string {
  return posix.join(home, "Library", "LaunchAgents", `${name}.plist`);
}

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function plist(t: Target): string {
  const args = t.argv.map((a) => `\t\t<string>${xml(a)}</string>`);
  const env = t.path !== undefined ? ["\t<key>EnvironmentVariables</key>", "\t<dict>", "\t\t<key>PATH</key>", `\t\t<string>${xml(t.path)}</string>`, "\t</dict>"] : [];
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">`,
    `<!-- Written by logbook schedule install: logbook sync of ${xml(t.root).replace(/--/g, "- -")}; logbook schedule remove deletes it. -->`,
    `<plist version="1.0">`,
    `<dict>`,
    `\t<key>Label</key>`,
    `\t<string>${t.name}</string>`,
    `\t<key>ProgramArguments</key>`,
    `\t<array>`,
    ...args,
    `\t</array>`,
    ...env,
    `\t<key>StartInterval</key>`,
    `\t<integer>${t.every * 60}</integer>`,
    // A run at load (login, install) catches up on what was saved while the Mac was off.
    `\t<key>RunAtLoad</key>`,
    `\t<true/>`,
    `\t<key>ProcessType</key>`,
    `\t<string>Background</string>`,
    `</dict>`,
    `</plist>`,
    ``,
  ].join("\n");
}

export const domain = (uid: number) => `gui/${uid}`;
export const service = (uid: number, name: string) => `gui/${uid}/${name}`;

/** `launchctl print gui/<uid>/<name>`: exit 0 when the agent is loaded. */
export const printArgv = (uid: number, name: string) => ["launchctl", "print", service(uid, name)];

/** A loaded agent is booted out first: bootstrap refuses a label that is already loaded (error 5 / 37). */
export function installPlan(t: Target, home: string, uid: number, loaded: boolean, existed: boolean): Plan {
  const path = plistPath(home, t.name);
  const steps: Step[] = [
    ...(loaded ? [{ op: "run" as const, argv: ["launchctl", "bootout", service(uid, t.name)] }] : []),
    { op: "write", path, content: plist(t) },
    { op: "run", argv: ["launchctl", "bootstrap", domain(uid), path], ...(loaded ? { retries: 3 } : {}) },
  ];
  const rollback: Step[] = existed && loaded ? [{ op: "run", argv: ["launchctl", "bootstrap", domain(uid), path], tolerate: true }] : [];
  return { scheduler: "launchd", name: t.name, steps, rollback };
}

export function removePlan(name: string, home: string, uid: number, loaded: boolean, present: boolean): Plan {
  const steps: Step[] = [
    ...(loaded ? [{ op: "run" as const, argv: ["launchctl", "bootout", service(uid, name)] }] : []),
    ...(present ? [{ op: "delete" as const, path: plistPath(home, name) }] : []),
  ];
  return { scheduler: "launchd", name, steps, rollback: [] };
}

// ---- parsers ------------------------------------------------------------------------------------------------

/** The interval of a plist we wrote (`<key>StartInterval</key><integer>900</integer>`), in minutes. */
export function parsePlistEvery(text: string): number | undefined {
  const m = /<key>StartInterval<\/key>\s*<integer>(\d+)<\/integer>/.exec(text);
  return m && Number(m[1]) % 60 === 0 ? Number(m[1]) / 60 : undefined;
}

const unxml = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");

/** ProgramArguments of a plist we wrote. */
export function parsePlistArgv(text: string): string[] | undefined {
  const m = /<key>ProgramArguments<\/key>\s*<array>([\s\S]*?)<\/array>/.exec(text);
  return m ? [...m[1]!.matchAll(/<string>([\s\S]*?)<\/string>/g)].map((s) => unxml(s[1]!)) : undefined;
}

/**
 * `launchctl print gui/<uid>/<label>`: Apple calls the format unstable, so only two lines are read, leniently:
 * `state = running|not running` and `last exit code = <n>` (or `(never exited)`). Exit non-zero: not loaded.
 */
export function parsePrint(r: CmdResult): { loaded: boolean; state?: string; lastExit?: string } {
  if (r.code !== 0) return { loaded: false };
  const state = /^\s*state = (.+)$/m.exec(r.stdout)?.[1]?.trim();
  const lastExit = /^\s*last exit code = (.+)$/m.exec(r.stdout)?.[1]?.trim();
  return { loaded: true, ...(state !== undefined ? { state } : {}), ...(lastExit !== undefined ? { lastExit } : {}) };
}
