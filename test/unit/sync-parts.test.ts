import assert from "node:assert/strict";
import { test } from "node:test";
import { classifyRemoteError, parseMergeTree, parsePushPorcelain, parseStatusV2 } from "../../src/git/parse.js";
import { cruftPaths, isCruftName } from "../../src/sync/cruft.js";
import { addressesUser, extractNotes, newNotesFor } from "../../src/sync/notes.js";

test("status --porcelain=v2 -z: ordinary, renamed, unmerged, untracked, paths with spaces", () => {
  const out = [
    "# branch.oid abc",
    "1 .M N... 100644 100644 100644 aaa aaa README.md",
    "1 A. N... 000000 100644 100644 000 bbb dir/with space.md",
    "2 R. N... 100644 100644 100644 ccc ccc R100 new name.md",
    "old name.md",
    "u UU N... 100644 100644 100644 100644 d1 d2 d3 conflict.md",
    "? C:Usersmike notes.txt",
    "! ignored.log",
    "",
  ].join("\0");
  assert.deepEqual(parseStatusV2(out), [
    { kind: "1", xy: ".M", path: "README.md" },
    { kind: "1", xy: "A.", path: "dir/with space.md" },
    { kind: "2", xy: "R.", path: "new name.md", origPath: "old name.md" },
    { kind: "u", xy: "UU", path: "conflict.md" },
    { kind: "?", xy: "??", path: "C:Usersmike notes.txt" },
    { kind: "!", xy: "!!", path: "ignored.log" },
  ]);
});

test("merge-tree --write-tree -z --name-only: clean and conflicted output (recorded from git 2.39)", () => {
  assert.deepEqual(parseMergeTree("b653c52f01be409a710e79b76aebaee9513ee33b\0", 0), {
    tree: "b653c52f01be409a710e79b76aebaee9513ee33b", clean: true, conflicts: [], messages: [],
  });
  const out =
    "b653c52f01be409a710e79b76aebaee9513ee33b\0f\0i\0\0" +
    "1\0f\0Auto-merging\0Auto-merging f\n\0" +
    "1\0f\0CONFLICT (contents)\0CONFLICT (content): Merge conflict in f\n\0" +
    "1\0i\0Auto-merging\0Auto-merging i\n\0" +
    "1\0i\0CONFLICT (contents)\0CONFLICT (add/add): Merge conflict in i\n\0";
  const r = parseMergeTree(out, 1);
  assert.equal(r.clean, false);
  assert.deepEqual(r.conflicts, ["f", "i"]);
  assert.ok(r.messages.includes("CONFLICT (add/add): Merge conflict in i"));
});

test("remote errors are classified from git's own messages", () => {
  assert.equal(classifyRemoteError(" ! [rejected]        main -> main (fetch first)\nerror: failed to push some refs to '/x'"), "rejected");
  assert.equal(classifyRemoteError(" ! [rejected]        main -> main (non-fast-forward)"), "rejected");
  assert.equal(classifyRemoteError("error: cannot lock ref 'refs/remotes/origin/main': Unable to create '/r/.git/refs/remotes/origin/main.lock': File exists."), "ref-lock");
  assert.equal(classifyRemoteError("fatal: unable to connect to 127.0.0.1:\n127.0.0.1[0: 127.0.0.1]: errno=Connection refused"), "unreachable");
  assert.equal(classifyRemoteError("fatal: Could not read from remote repository."), "unreachable");
  assert.equal(classifyRemoteError("fatal: could not read Username for 'http://127.0.0.1:1': terminal prompts disabled"), "auth");
  assert.equal(classifyRemoteError("fatal: Authentication failed for 'http://x/'"), "auth");
  assert.equal(classifyRemoteError("fatal: something new"), "other");
  assert.deepEqual(parsePushPorcelain("To /r.git\n \tabc:refs/heads/main\t1111111..2222222\nDone\n"), [{ flag: " ", ref: "abc:refs/heads/main", summary: "1111111..2222222" }]);
});

test("cruft names: the documented rule", () => {
  const users = ["mike", "alice", "Mike"];
  for (const junk of ["C:Usersmikenotes.txt", "D:workx.md", "c:Users", "Usersmikenotes.txt", "UsersAliceDocumentsx.md", "UsersAdminAppDataLocalTemp.txt", "a\\b.md", "Users\\mike\\x.md"]) {
    assert.equal(isCruftName(junk, users), true, junk);
  }
  for (const keep of ["Users guide.md", "a: b.md", "README.md", "Users.md", "Usersguide.md", "C: drive notes.md", "notes:2026.md"]) {
    assert.equal(isCruftName(keep, users), false, keep);
  }
  assert.deepEqual(cruftPaths(["ok/fine.md", "sub/C:Usersmikex.txt", "C:Usersmike/notes.txt"], users), ["sub/C:Usersmikex.txt", "C:Usersmike/notes.txt"]);
});

test("notes: found by heading (## or ###, note/message for), fences ignored, addressee by id or name", () => {
  const text = "## Session Summary\nx\n## Note for mike\nRotate the key.\n### Details\nmore\n## Message for Alice Chen\nhi\n```\n## Note for mike\n```\n## Pending\nx\n### Note to @bob:\nyo\n";
  const notes = extractNotes(text);
  assert.deepEqual(notes.map((n) => n.addressee), ["mike", "Alice Chen", "bob"]);
  assert.match(notes[0]!.body, /Rotate the key\.\n### Details\nmore/);
  assert.equal(addressesUser("MIKE", { id: "mike", name: "Mike Swanson" }), true);
  assert.equal(addressesUser("Mike Swanson", { id: "mike", name: "Mike Swanson" }), true);
  assert.equal(addressesUser("alice", { id: "mike", name: "Mike Swanson" }), false);
});

test("notes: only new ones, never my own", () => {
  const me = { id: "mike", name: "Mike Swanson" };
  const log = (user: string, body: string) => `---\nsession: s\nuser: ${user}\ndate: 2026-06-05\n---\n\n## Session Summary\nx\n${body}`;
  const v1 = log("alice", "## Note for mike\nfirst\n");
  const v2 = log("alice", "## Note for mike\nfirst\n\n## Update: 10:00 PDT — t\n\n## Note for mike\nsecond\n");
  assert.deepEqual(newNotesFor("clients/a/session-logs/x.md", undefined, v1, me, { alice: "Alice Chen" }).map((n) => n.body), ["first"]);
  assert.deepEqual(newNotesFor("clients/a/session-logs/x.md", v1, v2, me, {}).map((n) => n.body), ["second"]);
  assert.equal(newNotesFor("p", undefined, log("mike", "## Note for mike\nself\n"), me, {}).length, 0);
  assert.equal(newNotesFor("clients/a/session-logs/2026-06-05-alice-x.md", undefined, "## Note for mike\nno frontmatter\n", me, {})[0]?.author, "alice");
});
