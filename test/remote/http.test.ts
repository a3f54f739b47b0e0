// A team's hosted git server: a real smart-HTTP remote (git http-backend behind Basic auth) on 127.0.0.1.
// Push and fetch through save/sync, credentials refused (77, never a prompt), a server that stops answering (69).
import assert from "node:assert/strict";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { isolatedEnv, makeTeam, tmpDir, type Machine, type Team } from "../helpers/index.js";
import { httpRemote, silentServer, type HttpRemote } from "../helpers/http-remote.js";
import { countOnRemote, save } from "../sync/helpers.js";

const MIKE = { user: "mike", password: "mike-token-7f3a" };
const ALICE = { user: "alice", password: "alice-token-91c2" };
const READER = { user: "deploy", password: "read-only-token-55" };
/** A small bound, so a stalled server costs the test seconds: the low-speed limit is then 3 s, the kill 5 s. */
const FAST = "timezone: America/Los_Angeles\nsync:\n  remoteTimeoutSeconds: 5\n";
/** A hang guard only: every case here ends by itself well before it. */
const GUARD = { timeout: 90_000 };

async function httpTeam(t: TestContext, opts: { machines?: number; config?: string } = {}): Promise<{ team: Team; remote: HttpRemote }> {
  const team = await makeTeam(t, { machines: opts.machines ?? 1, ...(opts.config ? { config: opts.config } : {}) });
  const remote = await httpRemote(t, team.root, {
    users: { [MIKE.user]: { password: MIKE.password }, [ALICE.user]: { password: ALICE.password }, [READER.user]: { password: READER.password, write: false } },
    env: isolatedEnv(team.home),
  });
  return { team, remote };
}

/** The way most teams do it: a credential helper in the clone; the URL carries no secret. */
function useCredentialStore(t: TestContext, m: Machine, remote: HttpRemote, creds: { user: string; password: string }): string {
  const file = join(tmpDir(t, "lb-cred-"), "git-credentials");
  writeFileSync(file, remote.credentialLine(creds.user, creds.password) + "\n");
  // the helper string is parsed by a shell: forward slashes keep a Windows path intact
  m.git(["config", "credential.helper", `store --file ${file.replace(/\\/g, "/")}`]);
  m.git(["remote", "set-url", "origin", remote.url("remote.git")]);
  return file;
}

/** An askpass program that records being asked (it would be a desktop dialog on a real machine). */
function askpassRecorder(t: TestContext, m: Machine): { env: Record<string, string>; asked: () => string } {
  const dir = tmpDir(t, "lb-askpass-");
  const marker = join(dir, "asked");
  const script = join(dir, "askpass.sh");
  writeFileSync(script, `#!/bin/sh\necho "$1" >> '${marker}'\necho from-askpass\n`);
  chmodSync(script, 0o755);
  m.git(["config", "core.askPass", script]);
  return {
    env: { GIT_ASKPASS: script, SSH_ASKPASS: script, SSH_ASKPASS_REQUIRE: "force", DISPLAY: ":0" },
    asked: () => (existsSync(marker) ? readFileSync(marker, "utf8") : ""),
  };
}

function trackedFiles(m: Machine): string {
  return m.git(["ls-tree", "-r", "--name-only", "HEAD"]);
}

test("push and fetch over smart HTTP: one clone with a credential store, one with user:token in the URL", GUARD, async (t) => {
  const { team, remote } = await httpTeam(t, { machines: 2 });
  const [m1, m2] = team.machines as [Machine, Machine];
  const store = useCredentialStore(t, m1, remote, MIKE);
  m2.git(["remote", "set-url", "origin", remote.url("remote.git", ALICE)]);

  const a = await save(m1, "over-http", "h1");
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stdout, /Push: \S+ main -> main \(origin\)/);
  assert.equal(countOnRemote(team, "mike-over-http.md"), 1);

  // m2 is behind: its save fetches m1's log over HTTP, replays onto it and pushes
  const b = await save(m2, "also-http", "h2");
  assert.equal(b.code, 0, b.stderr);
  assert.equal(countOnRemote(team, "mike-over-http.md"), 1);
  assert.equal(countOnRemote(team, "alice-also-http.md"), 1);

  const s = await m1.cli(["sync"]);
  assert.equal(s.code, 0, s.stderr);
  assert.match(trackedFiles(m1), /alice-also-http\.md/, "m1 fetched alice's log over HTTP");
  assert.equal(m1.git(["rev-parse", "HEAD"]), team.remoteGit(["rev-parse", "main"]));

  const served = remote.requests.filter((r) => r.status === 200);
  assert.ok(served.some((r) => r.service === "git-receive-pack" && r.method === "POST" && r.user === "mike"));
  assert.ok(served.some((r) => r.service === "git-receive-pack" && r.method === "POST" && r.user === "alice"));
  assert.ok(served.some((r) => r.service === "git-upload-pack" && r.method === "POST" && r.user === "mike"));
  assert.ok(served.every((r) => r.user !== ""), "nothing was served without credentials");
  assert.match(readFileSync(store, "utf8"), /mike:mike-token-7f3a@127\.0\.0\.1/, "the store still holds the token");
});

test("wrong token in the credential store: exit 77 naming the remote, no askpass run, commit kept; fixed, the next sync pushes", GUARD, async (t) => {
  const { team, remote } = await httpTeam(t);
  const m = team.machines[0]!;
  const store = useCredentialStore(t, m, remote, { user: MIKE.user, password: "expired-token" });
  const ask = askpassRecorder(t, m);

  const r = await save(m, "bad-token", "bt1", { env: ask.env });
  assert.equal(r.code, 77, r.stdout + r.stderr);
  assert.match(r.stderr, new RegExp(`error: fetch from remote "origin" \\(http://127\\.0\\.0\\.1:${remote.port}/remote\\.git\\) was refused: the credentials are missing or wrong`));
  assert.match(r.stderr, /Fix the credentials for this remote/);
  assert.match(r.stderr, /Authentication failed/);
  assert.doesNotMatch(r.stderr, /timed out|no answer within/, "git refused at once; nothing waited for a timeout");
  assert.equal(ask.asked(), "", "no askpass program was asked (GIT_ASKPASS, core.askPass, SSH_ASKPASS)");
  assert.ok(remote.requests.some((q) => q.status === 401 && q.user === "mike"), "the server saw and refused the token");
  assert.match(m.git(["log", "-1", "--name-only", "--format="]), /mike-bad-token\.md/, "the commit is kept");
  assert.equal(countOnRemote(team, "bad-token"), 0);

  writeFileSync(store, remote.credentialLine(MIKE.user, MIKE.password) + "\n");
  const s = await m.cli(["sync"], { env: ask.env });
  assert.equal(s.code, 0, s.stderr);
  assert.equal(countOnRemote(team, "mike-bad-token.md"), 1);
});

test("no credentials at all: exit 77 at once ('terminal prompts disabled'), never a prompt or an askpass dialog", GUARD, async (t) => {
  const { team, remote } = await httpTeam(t); // the default 120 s bound: a prompt would hang, not fail fast
  const m = team.machines[0]!;
  m.git(["remote", "set-url", "origin", remote.url("remote.git")]);
  const ask = askpassRecorder(t, m);

  const r = await save(m, "no-creds", "nc1", { env: ask.env });
  assert.equal(r.code, 77, r.stdout + r.stderr);
  assert.match(r.stderr, /remote "origin" \(http:\/\/127\.0\.0\.1:\d+\/remote\.git\) was refused: the credentials are missing or wrong/);
  assert.match(r.stderr, /could not read Username for 'http:\/\/127\.0\.0\.1:\d+': terminal prompts disabled/);
  assert.equal(ask.asked(), "", "no askpass program was asked");
  assert.ok(remote.requests.every((q) => q.status === 401 && q.user === ""), "only the server's challenge, no guessed credentials");
  assert.match(m.git(["log", "-1", "--name-only", "--format="]), /mike-no-creds\.md/);
});

test("a wrong token in the URL: exit 77, and the token is never printed (text or --json)", GUARD, async (t) => {
  const { team, remote } = await httpTeam(t);
  const m = team.machines[0]!;
  const secret = "wr0ng-s3cret-in-url";
  m.git(["remote", "set-url", "origin", remote.url("remote.git", { user: MIKE.user, password: secret })]);

  const r = await save(m, "url-token", "ut1");
  assert.equal(r.code, 77, r.stdout + r.stderr);
  assert.match(r.stderr, new RegExp(`remote "origin" \\(http://127\\.0\\.0\\.1:${remote.port}/remote\\.git\\) was refused`));
  assert.ok(!(r.stdout + r.stderr).includes(secret));

  const j = await m.cli(["sync", "--json"]);
  assert.equal(j.code, 77);
  const out = JSON.parse(j.stdout) as { error: string; exitCode: number };
  assert.equal(out.exitCode, 77);
  assert.match(out.error, /credentials are missing or wrong/);
  assert.ok(!(j.stdout + j.stderr).includes(secret));
});

test("a read-only token: fetch works, the push is refused with 403 -> exit 77 saying it lacks write access", GUARD, async (t) => {
  const { team, remote } = await httpTeam(t);
  const m = team.machines[0]!;
  useCredentialStore(t, m, remote, READER);

  const r = await save(m, "read-only", "ro1");
  assert.equal(r.code, 77, r.stdout + r.stderr);
  assert.match(r.stderr, /push to remote "origin" \(http:\/\/127\.0\.0\.1:\d+\/remote\.git\) was refused: the credentials were accepted but are not allowed to do this \(HTTP 403\)/);
  assert.ok(remote.requests.some((q) => q.service === "git-upload-pack" && q.status === 200), "the fetch went through");
  assert.match(m.git(["log", "-1", "--name-only", "--format="]), /mike-read-only\.md/);
  assert.equal(countOnRemote(team, "read-only"), 0);
});

test("the server takes the pack and stops answering: the low-speed limit ends the push, exit 69, commit kept, the next sync pushes it", GUARD, async (t) => {
  const { team, remote } = await httpTeam(t, { config: FAST });
  const m = team.machines[0]!;
  useCredentialStore(t, m, remote, MIKE);
  remote.stall = "after-pack";

  const r = await save(m, "mid-push", "mp1");
  assert.equal(r.code, 69, r.stdout + r.stderr);
  assert.ok(remote.requests.some((q) => q.method === "POST" && q.service === "git-receive-pack" && q.status === "stalled"), "the push really stalled");
  assert.match(r.stdout, /Push: pending — origin is unreachable \(.*\); committed locally, the next sync will push it/);
  assert.match(m.git(["log", "-1", "--name-only", "--format="]), /mike-mid-push\.md/);
  assert.equal(countOnRemote(team, "mid-push"), 0);

  remote.stall = "answer";
  const s = await m.cli(["sync"]);
  assert.equal(s.code, 0, s.stderr);
  assert.equal(countOnRemote(team, "mike-mid-push.md"), 1);
  assert.equal(m.git(["rev-parse", "HEAD"]), team.remoteGit(["rev-parse", "main"]));
});

test("the server applies the push but never replies: exit 69, and the next sync finds it there and pushes nothing twice", GUARD, async (t) => {
  const { team, remote } = await httpTeam(t, { config: FAST });
  const m = team.machines[0]!;
  useCredentialStore(t, m, remote, MIKE);
  remote.stall = "after-update";

  const r = await save(m, "lost-reply", "lr1");
  assert.equal(r.code, 69, r.stdout + r.stderr);
  assert.equal(countOnRemote(team, "mike-lost-reply.md"), 1, "the server did take it");

  remote.stall = "answer";
  const s = await m.cli(["sync"]);
  assert.equal(s.code, 0, s.stderr);
  assert.equal(countOnRemote(team, "mike-lost-reply.md"), 1);
  const subjects = team.remoteGit(["log", "--format=%s", "main"]).split("\n");
  assert.equal(subjects.filter((l) => l.includes("lost-reply")).length, 1, "the log's commit is on the remote once");
  assert.equal(m.git(["rev-parse", "HEAD"]), team.remoteGit(["rev-parse", "main"]));
  assert.equal(team.remoteGit(["rev-list", "--count", "main"]).trim(), m.git(["rev-list", "--count", "HEAD"]).trim());
});

test("the server accepts connections and never answers (the fetch stalls): exit 69, commit kept, pushed once it answers", GUARD, async (t) => {
  const { team, remote } = await httpTeam(t, { config: FAST });
  const m = team.machines[0]!;
  useCredentialStore(t, m, remote, MIKE);
  remote.stall = "request";

  const r = await save(m, "hung-server", "hs1");
  assert.equal(r.code, 69, r.stdout + r.stderr);
  assert.ok(remote.stalled() > 0 || remote.requests.some((q) => q.status === "stalled"));
  assert.match(r.stdout, /Push: pending — origin is unreachable/);
  assert.match(m.git(["log", "-1", "--name-only", "--format="]), /mike-hung-server\.md/);

  remote.stall = "answer";
  const s = await m.cli(["sync"]);
  assert.equal(s.code, 0, s.stderr);
  assert.equal(countOnRemote(team, "mike-hung-server.md"), 1);
});

test("the server is down (connection refused): exit 69; restarted on the same address, the next sync pushes", GUARD, async (t) => {
  const { team, remote } = await httpTeam(t, { config: FAST });
  const m = team.machines[0]!;
  useCredentialStore(t, m, remote, MIKE);
  await remote.stop();

  const r = await save(m, "server-down", "sd1");
  assert.equal(r.code, 69, r.stdout + r.stderr);
  assert.match(r.stdout, /Push: pending — origin is unreachable \(.*(refused|connect).*\)/i);

  await remote.start();
  const s = await m.cli(["sync"]);
  assert.equal(s.code, 0, s.stderr);
  assert.equal(countOnRemote(team, "mike-server-down.md"), 1);
});

test("an https remote that never completes the TLS handshake is still bounded by sync.remoteTimeoutSeconds: exit 69", GUARD, async (t) => {
  const team = await makeTeam(t, { machines: 1, config: FAST });
  const m = team.machines[0]!;
  const silent = await silentServer(t);
  m.git(["remote", "set-url", "origin", `https://127.0.0.1:${silent.port}/remote.git`]);

  const r = await save(m, "tls-hang", "th1");
  assert.equal(r.code, 69, r.stdout + r.stderr);
  assert.ok(silent.connections() > 0, "git did connect");
  assert.match(r.stdout, /Push: pending — origin is unreachable/);
  assert.match(m.git(["log", "-1", "--name-only", "--format="]), /mike-tls-hang\.md/);
});
