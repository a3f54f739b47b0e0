// Transcript facts rendered as the seed's Configuration Changes and Commands & Outputs, merged with the narrative.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { factsSections } from "../../src/log/facts.js";
import { readTranscript, type Command, type TranscriptFacts } from "../../src/log/transcript.js";
import { PROJECT } from "../helpers/index.js";

const facts = (over: Partial<TranscriptFacts>): TranscriptFacts => ({ session: "s", filesCreated: [], filesEdited: [], filesDeleted: [], commands: [], warnings: [], ...over });
const cmd = (command: string, over: Partial<Command> = {}): Command => ({ command, exitCode: 0, isError: false, interrupted: false, output: "", ...over });

test("the session fixture renders files by kind and failed commands with exit code and first error line", async () => {
  const f = await readTranscript(join(PROJECT, "test/fixtures/transcripts/session.jsonl"), { repoRoot: "/home/dev/acme-kb" });
  const s = factsSections(f, {});
  assert.equal(
    s.config,
    [
      "- Created `docs/runbook.md`",
      "- Created `scripts/check-dns.sh`",
      "- Created `docs/dns.md`",
      "- Edited `README.md`",
      "- Edited `config/named.conf.options`",
      "- Edited `/etc/bind/named.conf.options`",
      "- Edited `notebooks/analysis.ipynb`",
      "- Deleted `docs/old-runbook.md`",
      "- Deleted `docs/draft.md`",
      "- Deleted `legacy/forwarders.txt`",
      "- Deleted `notes/dns.md`",
      "- Deleted `scripts/tmp-output.log`",
    ].join("\n"),
  );
  assert.equal(
    s.commands,
    [
      "- `npm test`",
      "- `npm run build` — **failed, exit 2**: `src/dns.ts(3,1): error TS2304: Cannot find name 'resolver'.`",
      "- `sleep 600 && dig @10.0.0.10 example.com` — interrupted",
      "- `cd docs && rm -f old-runbook.md draft.md`",
      "- `git rm -q legacy/forwarders.txt && git mv notes/dns.md docs/dns.md`",
      "- `grep -r forwarders /etc/bind/zones` — exit status unknown",
      "- `rm tmp-output.log 2>/dev/null; ls`",
    ].join("\n"),
  );
});

test("merge: the narrative comes first; files and successful commands it already names are not repeated; failures always are", () => {
  const f = facts({ filesEdited: ["/etc/bind/named.conf.options", "README.md"], commands: [cmd("dig @10.0.0.10 example.com"), cmd("npm run build", { exitCode: 2, isError: true, output: "boom" })] });
  const s = factsSections(f, { config: "- Edited /etc/bind/named.conf.options on dc01 (forwarders)", commands: "- `dig @10.0.0.10 example.com` answered NOERROR\n- `npm run build` failed until the import was fixed" });
  assert.equal(s.config, "- Edited /etc/bind/named.conf.options on dc01 (forwarders)\n\n- Edited `README.md`");
  assert.equal(s.commands, "- `dig @10.0.0.10 example.com` answered NOERROR\n- `npm run build` failed until the import was fixed\n\n- `npm run build` — **failed, exit 2**: `boom`");
});

test("empty: None. from either side counts as nothing; no facts and no narrative is None.", () => {
  assert.deepEqual(factsSections(facts({}), {}), { config: "None.", commands: "None." });
  assert.deepEqual(factsSections(facts({}), { config: "None.", commands: " none " }), { config: "None.", commands: "None." });
  assert.equal(factsSections(facts({ filesCreated: ["a.md"] }), { config: "None." }).config, "- Created `a.md`");
});

test("commands: backticks survive, multi-line commands show their first line, repeats fold, old successes give way past the cap", () => {
  const s = factsSections(facts({ commands: [cmd("echo `date`"), cmd("cat <<'EOF' > x\nhello\nEOF"), cmd("npm test"), cmd("npm test"), cmd("npm test")] }), {});
  assert.equal(s.commands, "- `` echo `date` ``\n- `cat <<'EOF' > x …`\n- `npm test` (×3)");
  const many = Array.from({ length: 200 }, (_, i) => cmd(`step ${i}`));
  many[10] = cmd("early failure", { exitCode: 1, isError: true, output: "\n\nerror: first line\nsecond" });
  const lines = factsSections(facts({ commands: many }), {}).commands.split("\n");
  assert.equal(lines.length, 151);
  assert.equal(lines[0], "- (50 earlier successful commands not listed)");
  assert.ok(lines.includes("- `early failure` — **failed, exit 1**: `error: first line`"));
  assert.equal(lines[150], "- `step 199`");
});
