// Junk files whose names are Windows paths that lost their separators (a tool wrote `C:\Users\mike\notes.txt` as a
// relative file name). The seed purges them before `git add -A`; so does logbook, untracked files only.
//
// The rule (a path component is junk when):
//   - it holds a backslash: `Users\mike\x.md`;
//   - it starts with a drive letter and colon not followed by a space: `C:Usersmikenotes.txt`, `D:workx`
//     (`a: b.md` is an ordinary name and kept);
//   - it is a drive-relative profile path glued together: `Users` followed at once by a roster user id or name
//     (`Usersmikenotes.txt`), or by a profile folder name (`UsersAdminAppData...`); `Users guide.md` is kept.
// Tracked files are never touched, whatever their names.

const PROFILE_DIRS = /^Users[A-Za-z0-9._-]*?(AppData|Documents|Desktop|Downloads|OneDrive|source|repos|\.claude|Projects)/;

export function isCruftName(component: string, users: readonly string[]): boolean {
  if (component.includes("\\")) return true;
  if (/^[A-Za-z]:(?!\s)./.test(component)) return true;
  if (PROFILE_DIRS.test(component)) return true;
  const m = /^Users(.+)$/.exec(component);
  if (m?.[1]) {
    const rest = m[1].toLowerCase();
    if (users.some((u) => u.length >= 2 && rest.startsWith(u.toLowerCase().replace(/\s+/g, "")))) return true;
  }
  return false;
}

/** Which of these untracked paths are junk. */
export function cruftPaths(untracked: readonly string[], users: readonly string[]): string[] {
  return untracked.filter((p) => p.split("/").some((c) => isCruftName(c, users)));
}
