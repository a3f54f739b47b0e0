// Whether a process id names a live process, without touching it (no child process, no /proc read).

/** Signal 0 checks existence without touching the process. EPERM: it exists but belongs to someone else. */
export function pidExists(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false; // 0 and negatives address process groups
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
