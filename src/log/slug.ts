// Safe kebab slugs for topics, projects and client slugs: they become path components on every OS.

const WINDOWS_RESERVED = new Set([
  "con", "prn", "aux", "nul",
  ...Array.from({ length: 9 }, (_, i) => `com${i + 1}`),
  ...Array.from({ length: 9 }, (_, i) => `lpt${i + 1}`),
]);

export const MAX_SLUG = 80;
const kebab = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** undefined when `s` is a safe lowercase kebab slug, else why not (for an error naming the flag). */
export function slugProblem(s: string): string | undefined {
  if (s === "") return "is empty";
  if (s.includes("\0")) return "contains a NUL byte";
  if (s.includes("/") || s.includes("\\")) return "contains a path separator (/ or \\)";
  if (s === "." || s === ".." || s.includes("..")) return 'contains ".."';
  if (/^[a-zA-Z]:/.test(s) || s.startsWith("/")) return "is an absolute path";
  if (s.startsWith("-")) return "starts with a dash";
  if (s.length > MAX_SLUG) return `is ${s.length} characters long (at most ${MAX_SLUG})`;
  if (WINDOWS_RESERVED.has(s.split(".")[0] ?? s)) return `is a reserved file name on Windows ("${s}")`;
  if (!kebab.test(s)) return "must be lowercase letters and digits separated by single dashes (e.g. dns-fix)";
  return undefined;
}

/** A best-effort kebab slug of free text (for automatic topics); always passes slugProblem or is "session". */
export function toSlug(text: string, max = 48): string {
  let s = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (s.length > max) s = s.slice(0, max).replace(/-[^-]*$/, "") || s.slice(0, max);
  s = s.replace(/-+$/g, "");
  return s === "" || slugProblem(s) ? "session" : s;
}
