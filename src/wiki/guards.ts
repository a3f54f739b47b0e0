// Guards run on every draft, LLM or offline: an IP address, host name or vault path that no source log and not
// the previous article mentions is marked ` (verify)` (never presented as fact), and billing figures are removed
// (hours and ticket counts come only from the PSA).
import { isIPv4, isIPv6 } from "node:net";

export type FactKind = "ip" | "host" | "vault";

export interface Fact {
  kind: FactKind;
  /** The token as written. */
  text: string;
  /** Lowercased, for comparison. */
  key: string;
  start: number;
  end: number;
}

export const VERIFY = " (verify)";

const IPV4 = /(?<![\w.])(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?!\w|\.\d)/g;
const IPV6_CANDIDATE = /(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:%\w+)?(?![\w:])/g;
// The last label is letters only (real TLDs are), so versions (v1.2.3) and most file names do not count.
const HOST = /(?<![\w.@-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-]|\.[A-Za-z0-9])/g;
const VAULT = /\bvault:[^\s`'"<>()[\]{}|,;]+/g;
const AGE = /(?<![\w./~-])[\w.~-]*(?:\/[\w.~-]+)*\.age(?![\w-])/g;

// File extensions: `notes.md`, `named.conf`, `Node.js` are not hosts.
const NOT_TLD = new Set(
  ("md txt json yaml yml toml ini cfg conf config log ts tsx js jsx mjs cjs py rb go rs java kt swift php pl sh bash zsh ps psm psd ps1 psm1 bat cmd " +
    "exe dll msi sys so dylib xml html htm css scss csv tsv pdf png jpg jpeg gif svg ico zip gz tgz tar bz xz rar iso img vhd vhdx vmdk ova " +
    "sql db sqlite bak old orig tmp swp lock key pem crt cer csr pfx der jks env service timer socket mount target rules list repo " +
    "options local-only vue svelte lua cs vb fs dart mdx rst adoc doc docx xls xlsx ppt pptx rtf odt eml msg pst ost reg inf cab deb rpm apk " +
    "ipa dmg pkg app jar war ear whl gem nupkg age yml2 tf tfvars hcl nix patch diff").split(" "),
);

function trimToken(s: string): string {
  return s.replace(/[.,;:!?)\]}'"`*_]+$/, "");
}

/** The IPs, host names and vault paths in a text, left to right, overlaps resolved to the longest token. */
export function findFacts(text: string, vaultDir?: string): Fact[] {
  const found: Fact[] = [];
  const add = (kind: FactKind, raw: string, start: number) => {
    const t = trimToken(raw);
    if (t === "") return;
    found.push({ kind, text: t, key: t.toLowerCase(), start, end: start + t.length });
  };
  // Cheap substring checks first: these scans run over every source log on every compile.
  if (text.includes("vault:")) for (const m of text.matchAll(VAULT)) add("vault", m[0], m.index);
  if (text.includes(".age")) for (const m of text.matchAll(AGE)) add("vault", m[0], m.index);
  if (vaultDir) {
    const base = vaultDir.replace(/[\\/]+$/, "").split(/[\\/]/).pop() ?? "";
    if (base !== "" && base !== "." && base !== ".." && text.includes(`${base}/`)) {
      const esc = base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const re = new RegExp(`(?<![\\w.-])(?:[\\w.~-]*\\/)*${esc}\\/[^\\s\`'"<>()[\\]{}|,;]+`, "g");
      for (const m of text.matchAll(re)) add("vault", m[0], m.index);
    }
  }
  for (const m of text.matchAll(IPV4)) if (isIPv4(m[0])) add("ip", m[0], m.index);
  if (text.includes(":")) for (const m of text.matchAll(IPV6_CANDIDATE)) {
    const t = m[0].replace(/%\w+$/, "");
    if (t.includes(":") && (t.match(/:/g)?.length ?? 0) >= 2 && isIPv6(t)) add("ip", t, m.index);
  }
  for (const m of text.matchAll(HOST)) {
    const tld = m[0].slice(m[0].lastIndexOf(".") + 1).toLowerCase();
    if (NOT_TLD.has(tld)) continue;
    add("host", m[0], m.index);
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Fact[] = [];
  let reach = -1;
  for (const f of found) {
    if (f.start < reach) continue;
    out.push(f);
    reach = f.end;
  }
  return out;
}

function isMarked(text: string, at: number): boolean {
  return /^[^\S\n]?[`*_]?[^\S\n]?\(verify\)/.test(text.slice(at, at + 14));
}

/** Where ` (verify)` goes: after the token, or after the whole word when the token is part of a URL or ip:port. */
function markAt(text: string, f: Fact): number {
  let end = f.end;
  const next = text[end];
  if ((next === ":" || next === "/") && /\S/.test(text[end + 1] ?? " ")) {
    while (end < text.length && !/[\s`<>()[\]|]/.test(text[end]!)) end++;
    end = f.end + trimToken(text.slice(f.end, end)).length;
  }
  if (text[end] === "`") end++;
  return end;
}

/** What the sources and the previous article vouch for: `has(key)` for a lowercased fact. */
export interface Known {
  has(key: string): boolean;
}

const WORDISH = /[a-z0-9_-]/;

/** `key` occurs in `hay` as a whole token (not inside a longer name or address) and not marked (verify). */
function occurs(hay: string, key: string): boolean {
  for (let i = hay.indexOf(key); i !== -1; i = hay.indexOf(key, i + 1)) {
    const before = i === 0 ? " " : hay[i - 1]!;
    const end = i + key.length;
    const after = hay[end] ?? " ";
    if (WORDISH.test(before) || before === ".") continue;
    if (WORDISH.test(after) || (after === "." && /[a-z0-9]/.test(hay[end + 1] ?? ""))) continue;
    if (isMarked(hay, end) || (after === "`" && isMarked(hay, end + 1))) continue;
    return true;
  }
  return false;
}

/**
 * The facts a set of texts vouches for: any IP, host or vault path written in them, except where marked
 * (verify). Looked up on demand (a draft names a few dozen facts; the sources may be megabytes).
 */
export function knownFacts(texts: readonly string[]): Known {
  const hay = texts.join("\n\n").toLowerCase();
  const memo = new Map<string, boolean>();
  return {
    has(key) {
      let v = memo.get(key);
      if (v === undefined) {
        v = occurs(hay, key);
        memo.set(key, v);
      }
      return v;
    },
  };
}

export interface GuardResult {
  text: string;
  /** Tokens newly marked here (first occurrence order, each once); ones already marked are not reported again. */
  flagged: string[];
}

/** Marks every unknown IP/host/vault path in `text` with ` (verify)`; idempotent. */
export function guardText(text: string, known: Known, vaultDir?: string): GuardResult {
  const flagged: string[] = [];
  let out = "";
  let last = 0;
  let inserted = -1;
  for (const f of findFacts(text, vaultDir)) {
    if (known.has(f.key)) continue;
    const at = markAt(text, f);
    if (isMarked(text, at) || at === inserted) continue;
    if (!flagged.includes(f.text)) flagged.push(f.text);
    out += text.slice(last, at) + VERIFY;
    last = at;
    inserted = at;
  }
  return { text: out + text.slice(last), flagged };
}

// Billing figures: "12 billable hours", "billed 3.5 h", "hours billed: 4", "7 open tickets", "ticket count: 3".
const BILLING = [
  /\b(?:billable|billed|billing|invoiced)\b[^\n]{0,40}?\b\d+(?:[.,]\d+)?\s*(?:h|hrs?|hours?)\b/i,
  /\b\d+(?:[.,]\d+)?\s*(?:h|hrs?|hours?)\b[^\n]{0,40}?\b(?:billable|billed|billing|invoiced)\b/i,
  /\b\d+\s+(?:open|closed|new|active)\s+tickets?\b/i,
  /\bticket\s+counts?\b[^\n]{0,20}\d/i,
  /\b(?:hours|time)\s+(?:billed|billable)\b[^\n]{0,20}\d/i,
];

export function isBillingLine(line: string): boolean {
  return BILLING.some((re) => re.test(line));
}

/** Removes sentences that state billing figures (a line goes when nothing else is left); returns what was removed. */
export function stripBilling(text: string): { text: string; removed: string[] } {
  const removed: string[] = [];
  const kept: string[] = [];
  let fence = false;
  for (const line of text.split("\n")) {
    if (/^\s{0,3}(```|~~~)/.test(line)) fence = !fence;
    if (fence || !isBillingLine(line)) {
      kept.push(line);
      continue;
    }
    const prefix = /^\s*(?:(?:[-*+]|\d+[.)])\s+)?/.exec(line)?.[0] ?? "";
    const sentences = line.slice(prefix.length).split(/(?<=[.!?])\s+/);
    const ok = sentences.filter((s) => !isBillingLine(s));
    removed.push(...sentences.filter((s) => isBillingLine(s)).map((s) => s.trim()));
    if (ok.length > 0) kept.push(prefix + ok.join(" "));
  }
  return { text: kept.join("\n"), removed };
}
