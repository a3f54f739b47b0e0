// Finds the secrets in a narrative's Credentials & Secrets section: a list item `- <label>: <value>`, or a fenced
// block under a `### <label>` heading (or right after an item `- <label>:` with no value). Pure: the section is
// rewritten by `render` with each secret replaced by one reference line, so a value is moved whole or not at all.

export interface Secret {
  label: string;
  value: string;
  /** 1-based line in the section where it starts (for messages: never quote the value). */
  line: number;
  kind: "item" | "block";
}

export interface Extraction {
  secrets: Secret[];
  /** 1-based lines that look like they hold a value but are in no form logbook moves (kept as written). */
  suspect: number[];
  /** The section with each secret replaced by `<indent><marker> <label>: <reference>`. */
  render(ref: (s: Secret) => string): string;
}

type Piece = string | { secret: number; prefix: string };

const FENCE = /^([ \t]*)(`{3,}|~{3,})(.*)$/;
const HEADING = /^ {0,3}#{3,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$/;
const ITEM = /^([ \t]*)([-*+]|\d{1,9}[.)])[ \t]+(.*)$/;
// The first colon followed by whitespace (or the end) ends the label: `url: https://x` and `dsn: user:pw@h` work.
// A bold label may hold its colon inside the markers: `**root password:** x`.
const LABEL = /^(.*?\S)[ \t]*:(?:\*\*|__)?(?:[ \t]+(.*))?$/;

function cleanLabel(raw: string): string {
  return raw.replace(/^[*_`\s]+|[*_`\s]+$/g, "").replace(/\s+/g, " ");
}

function cleanValue(raw: string): string {
  const v = raw.trim();
  // A value written as code (`abc`) is stored as what is inside the backticks.
  const code = /^`([^`]+)`$/.exec(v);
  return code?.[1] ?? v;
}

export function splitItem(text: string): { label: string; value: string } | undefined {
  const m = LABEL.exec(text);
  if (!m?.[1]) return undefined;
  const label = cleanLabel(m[1]);
  if (label === "") return undefined;
  return { label, value: cleanValue(m[2] ?? "") };
}

const isNone = (line: string) => /^\s*[-*+]?\s*(?:none|n\/a|nothing)\.?\s*$/i.test(line);

/** A line kept as written that may still hold a value: a `key: x` / `key=x` shape, or a long token with a digit. */
function looksSecret(line: string): boolean {
  if (isNone(line)) return false;
  // A plain URL or a time of day is not a value; a URL with user:password@ is.
  const t = line.replace(/\b[a-z][\w+.-]*:\/\/[^\s@]+/gi, " ");
  if (/[A-Za-z_)\]"'`*][ \t]*[:=][ \t]*\S/.test(t)) return true;
  return t.split(/\s+/).some((w) => w.length >= 8 && /\d/.test(w) && /[A-Za-z]/.test(w));
}

export function extractSecrets(section: string): Extraction {
  const lines = section.split("\n");
  const pieces: Piece[] = [];
  const secrets: Secret[] = [];
  const suspect: number[] = [];
  const used = new Set<string>();
  let heading: string | undefined;
  // An item `- <label>:` with no value: the fenced block that follows (blank lines allowed) is its value.
  let pending: { label: string; piece: number; prefix: string; line: number } | undefined;
  let unlabeled = 0;

  const add = (s: Omit<Secret, "label"> & { label: string }): number => {
    let label = s.label;
    for (let n = 2; used.has(label); n++) label = `${s.label} ${n}`;
    used.add(label);
    secrets.push({ ...s, label });
    return secrets.length - 1;
  };

  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence?.[2]) {
      const indent = fence[1] ?? "";
      const close = new RegExp(`^[ \\t]*${fence[2][0] === "`" ? "`" : "~"}{${fence[2].length},}[ \\t]*$`);
      let j = i + 1;
      while (j < lines.length && !close.test(lines[j]!)) j++;
      // An unclosed fence runs to the end of the section (as in CommonMark): all of it is the value.
      const inner = lines.slice(i + 1, j).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()));
      const value = inner.join("\n");
      const next = Math.min(j, lines.length - 1) + 1;
      if (value.trim() === "") {
        pieces.push(...lines.slice(i, next));
      } else if (pending) {
        pieces[pending.piece] = { secret: add({ label: pending.label, value, line: pending.line, kind: "block" }), prefix: pending.prefix };
      } else {
        const label = heading ?? `block ${++unlabeled}`;
        pieces.push({ secret: add({ label, value, line: i + 1, kind: "block" }), prefix: `${indent}- ` });
      }
      pending = undefined;
      i = next;
      continue;
    }
    const h = HEADING.exec(line);
    if (h?.[1]) {
      heading = cleanLabel(h[1]) || undefined;
      pending = undefined;
      pieces.push(line);
      i++;
      continue;
    }
    const item = ITEM.exec(line);
    if (item) {
      pending = undefined;
      const kv = splitItem(item[3] ?? "");
      const prefix = `${item[1] ?? ""}${item[2] ?? "-"} `;
      if (!kv) {
        if (looksSecret(item[3] ?? "")) suspect.push(i + 1);
        pieces.push(line);
        i++;
        continue;
      }
      if (kv.value === "") {
        pending = { label: kv.label, piece: pieces.length, prefix, line: i + 1 };
        pieces.push(line);
        i++;
        continue;
      }
      if (/^`?vault:\S/.test(kv.value)) {
        pieces.push(line);
        i++;
        continue;
      }
      // Lines that continue the item (no blank line, not a new item, heading or fence) belong to its value,
      // so a wrapped value is never split between the vault and the log.
      const parts = [kv.value];
      let j = i + 1;
      while (j < lines.length) {
        const l = lines[j]!;
        if (l.trim() === "" || ITEM.test(l) || HEADING.test(l) || FENCE.test(l) || /^ {0,3}#/.test(l)) break;
        parts.push(l.trim());
        j++;
      }
      const value = parts.length > 1 ? cleanValue(parts.join("\n")) : kv.value;
      pieces.push({ secret: add({ label: kv.label, value, line: i + 1, kind: "item" }), prefix });
      i = j;
      continue;
    }
    if (line.trim() !== "") {
      pending = undefined;
      if (looksSecret(line)) suspect.push(i + 1);
    }
    pieces.push(line);
    i++;
  }

  return {
    secrets,
    suspect,
    render: (ref) =>
      pieces
        .map((p) => {
          if (typeof p === "string") return p;
          const s = secrets[p.secret]!;
          return `${p.prefix}${s.label}: ${ref(s)}`;
        })
        .join("\n"),
  };
}
