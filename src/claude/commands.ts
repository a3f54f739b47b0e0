// The slash commands `logbook init` writes to .claude/commands/: the seed's /save, /sync, /checkpoint and
// /wiki-compile, rewritten so the agent writes only the narrative and logbook does the rest. `cli` is how the
// agent's shell runs logbook (usually just `logbook`).

/** How to read logbook's output, shared by every command that syncs: the seed's reporting rules. */
function reporting(cli: string): string {
  return `## Report the result

- **Exit 0**: show logbook's output as it is (for /save it ends with the Post-commit Summary). Do not invent
  commit hashes or paths; quote what logbook printed.
- **Notes from teammates**: when the output holds a banner

  \`\`\`
  ============================================================
  MESSAGE FROM <author> (<date>)
  ============================================================
  <note>
  ============================================================
  \`\`\`

  show each banner prominently at the top of your response, before the summary, exactly as printed, and
  explicitly address each action item or question in it before moving on. \`${cli} notes\` lists them again.
- **\`[WARN] wiki refreshed, not recompiled; ...\`**: repeat that line verbatim. The save itself succeeded; the
  article can be recompiled later with the command the line names.
- **Exit 75 (deferred)**: do NOT print a success summary. Report exactly:

  "sync deferred — another sync is running; your session log is written locally and will sync on the next run"

- **Exit 69 (remote unreachable)**: the work is committed locally and the push is pending; say so. The next
  \`${cli} sync\` pushes it.
- **Exit 1 (conflict)**: report the files logbook names and its message. Do not run \`git rebase\`, \`git reset\`,
  \`git stash\` or \`git checkout\` to "fix" it: other sessions share this working tree.
- **Exit 64 or 65** (bad flag, bad narrative): nothing was written. Fix what the message names and run it again.
- **Exit 78** (identity or configuration): stop and show the message to the user; it says how to fix it (usually
  \`${cli} init --user <id>\` on this machine). Never edit \`.logbook/identity.json\` by hand.
`;
}

function frontmatter(description: string, argumentHint: string, allowedTools: string[]): string {
  return `---\ndescription: ${description}\nargument-hint: ${JSON.stringify(argumentHint)}\nallowed-tools: ${allowedTools.join(", ")}\n---\n`;
}

export function saveCommand(cli: string): string {
  return `${frontmatter(
    "Save this session's log with logbook (you write the narrative; logbook adds the facts, compiles the wiki and syncs)",
    "[--scope general|project:<name>|client:<slug>] [--topic <kebab-slug>] [--no-wiki] [--no-sync]",
    [`Bash(${cli} save:*)`, `Bash(${cli} whoami:*)`, `Bash(${cli} transcript:*)`],
  )}
Save a session log for this session with logbook, then let logbook compile the wiki and sync the repo.
User arguments: $ARGUMENTS

## 1. Write the narrative

Write the sections below as markdown. Be concise, factual, technical. No filler phrases. Past tense. No emojis.
When in doubt, include MORE detail: future sessions search these logs to recover context.

- \`## Session Summary\`: 3-5 paragraphs: what was accomplished, in what order, why.
- \`## Key Decisions\`: bullet list of non-obvious decisions and their rationale.
- \`## Problems Encountered\`: bullet list of problems hit and how each was resolved. Omit the section if none.
- \`## Configuration Changes\`: files modified / created / deleted (with paths).
- \`## Credentials & Secrets\`: UNREDACTED if newly discovered or created; vault paths if vaulted. Never
  half-redact a value a future session might need.
- \`## Infrastructure & Servers\`: IPs, hostnames, ports, tenant IDs, container names, DNS, certs.
- \`## Commands & Outputs\`: important one-liners, key outputs, error messages with their resolution.
- \`## Pending / Incomplete Tasks\`: what is left, blockers, next steps.
- \`## Reference Information\`: URLs, endpoints, commit SHAs, ticket IDs, routine IDs, file paths.

Write "None." under a section with nothing to say. Do not write a \`## User\` block: logbook generates it from
\`.logbook/identity.json\` (the only authoritative attribution).

logbook reads this session's Claude Code transcript and adds to **Configuration Changes** every file the session
created, edited or deleted, and to **Commands & Outputs** every command it ran, failed ones with their exit code
and first error line. So in those two sections write only what the transcript cannot show: changes made on other
machines (over ssh, in a portal, in a GUI), and the outputs that matter. You may omit those two sections.

To leave a message for a teammate, add a section \`## Note for <user-id>\` (their roster id): logbook shows it to
them prominently on their next sync.

## 2. Run logbook

Choose the scope from where the work belongs:

| Work scope | Flag |
|---|---|
| Single project | \`--scope project:<project>\` |
| Client | \`--scope client:<slug>\` |
| Multi-project / general | \`--scope general\` |

and a topic: a short lowercase kebab slug of this session's main work (e.g. \`--topic dns-forwarders\`). Then pass
the narrative on stdin, with the user's arguments last so that they win. When the arguments are not logbook flags
(plain words such as \`acme dns\`), use them to choose the scope and topic instead of passing them on.

\`\`\`bash
${cli} save --scope <scope> --topic <topic> $ARGUMENTS <<'LOGBOOK_NARRATIVE'
## Session Summary
...
LOGBOOK_NARRATIVE
\`\`\`

logbook names the file (\`YYYY-MM-DD-<user>-<topic>.md\`, never overwriting another session's log), and saving again
in the same session appends an \`## Update: HH:MM <zone> — <topic>\` section to this session's log. The session id
comes from Claude Code (\`CLAUDE_CODE_SESSION_ID\`); if logbook prints \`Session: <id> (new; ...)\`, pass
\`--session <id>\` on every later save in this conversation so they land in the same log.

logbook then compiles the wiki article for the scope (skipped for \`general\`), commits this session's log and the
wiki files it changed (never another session's half-done work) and pushes, through a per-machine lock.

${reporting(cli)}`;
}

export function syncCommand(cli: string): string {
  return `${frontmatter(
    "Sync the knowledge repo with logbook (commit, fetch, rebase, push) without writing a log",
    "[--only <path>...]",
    [`Bash(${cli} sync:*)`, `Bash(${cli} notes:*)`],
  )}
Sync the repo through logbook's per-machine lock: commit, fetch, rebase onto the remote, push, then show notes
left for this user. User arguments: $ARGUMENTS

\`\`\`bash
${cli} sync $ARGUMENTS
\`\`\`

Without \`--only\`, sync commits every change in the working tree (the seed's sweep), including files other
sessions on this machine are still editing. To commit only this session's work, prefer /checkpoint; to commit
chosen paths, pass \`--only <path>\` for each.

${reporting(cli)}`;
}

export function checkpointCommand(cli: string): string {
  return `${frontmatter(
    "Commit and push the files this session changed (from its transcript) through logbook's lock, without a log",
    "[-m <message>] [--only <path>...]",
    [`Bash(${cli} checkpoint:*)`, `Bash(${cli} transcript:*)`],
  )}
Checkpoint this session's work: logbook commits exactly the files this session's transcript says it created,
edited or deleted (another session's half-done files are never swept in) and pushes, through the sync lock.
User arguments: $ARGUMENTS

\`\`\`bash
${cli} checkpoint $ARGUMENTS
\`\`\`

Add \`-m "<one line of what changed, past tense>"\` when the user gave no message. The session id comes from Claude
Code (\`CLAUDE_CODE_SESSION_ID\`); if logbook says it does not know the session, pass \`--session <id>\` (the id
logbook printed at your last save). \`${cli} transcript --session <id>\` shows what it will commit.

${reporting(cli)}`;
}

export function wikiCompileCommand(cli: string): string {
  return `${frontmatter(
    "Compile a wiki article from the session logs with logbook (full recompile, or a seed for a new article)",
    "<client|project|system|pattern>:<slug> [--full|--refresh]",
    [`Bash(${cli} wiki:*)`, `Bash(${cli} checkpoint:*)`],
  )}
Compile the wiki article for a client, project, system or pattern. User arguments: $ARGUMENTS

If the user gave no target, derive it from the session log this session saved:
\`clients/<slug>/session-logs/...\` is \`client:<slug>\`, \`projects/<name>/session-logs/...\` is \`project:<name>\`;
a log in the root \`session-logs/\` implies no single article: say so and stop.

\`\`\`bash
${cli} wiki compile <target> $ARGUMENTS
\`\`\`

An existing article is fully recompiled (its **Patterns** and **History** are kept byte for byte; new entries are
appended); a missing one is seeded. logbook marks any IP, host or vault path that appears in no source with
\`(verify)\`: keep those marks, never present such a value as fact. Billing fields come only from the PSA.

If the output has \`[WARN] wiki refreshed, not recompiled; ...\`, repeat that line verbatim: synthesis failed, the
article still records the session, and the line says how to recompile later. A wiki failure never blocks a save.

The article and \`wiki/index.md\` are committed with the next /save; to publish them now, run
\`${cli} checkpoint --only <article path> --only wiki/index.md\` and report its result as /checkpoint does.
`;
}
