// Dates and times in the team's configured zone (the seed's team writes Pacific time).
import { loadZone } from "./tz.js";

export interface ZonedParts {
  date: string; // YYYY-MM-DD
  time: string; // HH:MM (24h)
  abbr: string; // PST, PDT, UTC, +0330...
}

const pad = (n: number) => String(n).padStart(2, "0");

function viaIntl(d: Date, timeZone: string): ZonedParts {
  const f = new Intl.DateTimeFormat("en-US", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
  });
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(d)) parts[p.type] = p.value;
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}`, abbr: parts.timeZoneName ?? timeZone };
}

export function zoned(d: Date, timeZone: string): ZonedParts {
  const zone = loadZone(timeZone);
  if (!zone) return viaIntl(d, timeZone);
  const { offset, abbr } = zone.at(d.getTime());
  const l = new Date(d.getTime() + offset * 1000);
  return {
    date: `${l.getUTCFullYear()}-${pad(l.getUTCMonth() + 1)}-${pad(l.getUTCDate())}`,
    time: `${pad(l.getUTCHours())}:${pad(l.getUTCMinutes())}`,
    abbr,
  };
}

export function isTimeZone(tz: string): boolean {
  if (loadZone(tz)) return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The machine's own zone, for `logbook init`. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}
