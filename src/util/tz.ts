// Time-zone offsets from the system's tz database (TZif files), because the first Intl.DateTimeFormat costs ~20 ms
// of ICU start-up on every `logbook save`. Where no zoneinfo exists (Windows), callers fall back to Intl.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface ZoneInfo {
  /** UTC offset in seconds and abbreviation in force at `t` (ms since the epoch). */
  at(t: number): { offset: number; abbr: string };
}

interface TType {
  offset: number;
  dst: boolean;
  abbr: string;
}

const ZONE_NAME = /^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*$/;

// ---- POSIX TZ strings (the TZif footer), e.g. "PST8PDT,M3.2.0,M11.1.0" or "<+0330>-3:30" ----

type Rule = { kind: "M"; month: number; week: number; day: number; time: number } | { kind: "J" | "N"; day: number; time: number };
interface PosixTz {
  std: { abbr: string; offset: number };
  dst?: { abbr: string; offset: number; start: Rule; end: Rule };
}

function parseOffset(s: string): number | undefined {
  const m = /^([+-]?)(\d{1,3})(?::(\d{1,2}))?(?::(\d{1,2}))?$/.exec(s);
  if (!m) return undefined;
  const v = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
  return m[1] === "-" ? -v : v;
}

function parseRule(s: string): Rule | undefined {
  const [date = "", time = "2"] = s.split("/");
  const t = parseOffset(time);
  if (t === undefined) return undefined;
  let m = /^M(\d{1,2})\.(\d)\.(\d)$/.exec(date);
  if (m) return { kind: "M", month: Number(m[1]), week: Number(m[2]), day: Number(m[3]), time: t };
  m = /^J(\d{1,3})$/.exec(date);
  if (m) return { kind: "J", day: Number(m[1]), time: t };
  m = /^(\d{1,3})$/.exec(date);
  if (m) return { kind: "N", day: Number(m[1]), time: t };
  return undefined;
}

export function parsePosixTz(s: string): PosixTz | undefined {
  const re = /^(<[^>]+>|[A-Za-z]{3,})([+-]?\d{1,3}(?::\d{1,2}){0,2})(?:(<[^>]+>|[A-Za-z]{3,})([+-]?\d{1,3}(?::\d{1,2}){0,2})?(?:,([^,]+),([^,]+))?)?$/;
  const m = re.exec(s);
  if (!m) return undefined;
  const name = (a: string) => a.replace(/^<|>$/g, "");
  const stdOff = parseOffset(m[2]!);
  if (stdOff === undefined) return undefined;
  const std = { abbr: name(m[1]!), offset: -stdOff };
  if (!m[3]) return { std };
  const dstOff = m[4] !== undefined ? parseOffset(m[4]) : stdOff - 3600;
  const start = parseRule(m[5] ?? "M3.2.0");
  const end = parseRule(m[6] ?? "M11.1.0");
  if (dstOff === undefined || !start || !end) return undefined;
  return { std, dst: { abbr: name(m[3]), offset: -dstOff, start, end } };
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Seconds from the start of `year` (local) to the rule's moment (local wall time). */
function ruleSeconds(r: Rule, year: number): number {
  let day: number; // day of year, 0-based
  if (r.kind === "J") day = r.day - 1 + (isLeap(year) && r.day >= 60 ? 1 : 0);
  else if (r.kind === "N") day = r.day;
  else if (r.kind === "M") {
    const first = Date.UTC(year, r.month - 1, 1);
    const wdFirst = new Date(first).getUTCDay();
    let dom = 1 + ((r.day - wdFirst + 7) % 7) + (r.week - 1) * 7;
    const dim = new Date(Date.UTC(year, r.month, 0)).getUTCDate();
    if (r.week === 5) while (dom > dim) dom -= 7;
    day = (first - Date.UTC(year, 0, 1)) / 86400_000 + dom - 1;
  } else day = 0;
  return day * 86400 + r.time;
}

function posixAt(p: PosixTz, t: number): { offset: number; abbr: string } {
  const d = p.dst;
  if (!d) return p.std;
  const secs = Math.floor(t / 1000);
  const year = new Date(t + p.std.offset * 1000).getUTCFullYear();
  const y0 = Date.UTC(year, 0, 1) / 1000;
  const start = y0 + ruleSeconds(d.start, year) - p.std.offset;
  const end = y0 + ruleSeconds(d.end, year) - d.offset;
  const inDst = start < end ? secs >= start && secs < end : !(secs >= end && secs < start);
  return inDst ? { offset: d.offset, abbr: d.abbr } : p.std;
}

// ---- TZif ----

export function parseTzif(buf: Buffer): ZoneInfo | undefined {
  if (buf.length < 44 || buf.toString("latin1", 0, 4) !== "TZif") return undefined;
  const header = (o: number) => ({
    version: buf[o + 4] ?? 0,
    isut: buf.readUInt32BE(o + 20),
    isstd: buf.readUInt32BE(o + 24),
    leap: buf.readUInt32BE(o + 28),
    time: buf.readUInt32BE(o + 32),
    type: buf.readUInt32BE(o + 36),
    char: buf.readUInt32BE(o + 40),
  });
  let h = header(0);
  let o = 44;
  let tsize = 4;
  if (h.version >= 0x32) {
    o += h.time * 4 + h.time + h.type * 6 + h.char + h.leap * 8 + h.isstd + h.isut;
    h = header(o);
    o += 44;
    tsize = 8;
  }
  if (h.type === 0) return undefined;
  const trans: number[] = [];
  for (let i = 0; i < h.time; i++, o += tsize) trans.push(tsize === 8 ? Number(buf.readBigInt64BE(o)) : buf.readInt32BE(o));
  const idx: number[] = [];
  for (let i = 0; i < h.time; i++, o++) idx.push(buf[o] ?? 0);
  const raw: { offset: number; dst: boolean; ai: number }[] = [];
  for (let i = 0; i < h.type; i++, o += 6) raw.push({ offset: buf.readInt32BE(o), dst: buf[o + 4] === 1, ai: buf[o + 5] ?? 0 });
  const chars = buf.toString("latin1", o, o + h.char);
  o += h.char + h.leap * (tsize + 4) + h.isstd + h.isut;
  const types: TType[] = raw.map((r) => ({ offset: r.offset, dst: r.dst, abbr: chars.slice(r.ai, chars.indexOf("\0", r.ai)) }));
  let footer: PosixTz | undefined;
  if (tsize === 8 && buf[o] === 0x0a) {
    const endNl = buf.indexOf(0x0a, o + 1);
    const s = buf.toString("latin1", o + 1, endNl === -1 ? buf.length : endNl);
    if (s !== "") footer = parsePosixTz(s);
  }
  const first = types.find((t) => !t.dst) ?? types[0]!;
  return {
    at(t) {
      const secs = Math.floor(t / 1000);
      if (trans.length === 0 || secs < trans[0]!) return footer && trans.length === 0 ? posixAt(footer, t) : first;
      if (secs >= trans[trans.length - 1]! && footer) return posixAt(footer, t);
      let lo = 0;
      let hi = trans.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (trans[mid]! <= secs) lo = mid;
        else hi = mid - 1;
      }
      return types[idx[lo]!] ?? first;
    },
  };
}

const cache = new Map<string, ZoneInfo | null>();

/** The zone from the system tz database, or undefined (then use Intl). */
export function loadZone(name: string, tzdir?: string): ZoneInfo | undefined {
  const key = `${tzdir ?? ""}\0${name}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit ?? undefined;
  let zone: ZoneInfo | undefined;
  if (name === "UTC" || name === "Etc/UTC") zone = { at: () => ({ offset: 0, abbr: "UTC" }) };
  else if (ZONE_NAME.test(name)) {
    for (const dir of [tzdir, process.env.TZDIR, "/usr/share/zoneinfo", "/usr/lib/zoneinfo", "/usr/share/lib/zoneinfo"]) {
      if (!dir) continue;
      try {
        zone = parseTzif(readFileSync(join(dir, name)));
        if (zone) break;
      } catch {}
    }
  }
  cache.set(key, zone ?? null);
  return zone;
}
