// How fetch/push failures are read, on stderr recorded from git 2.39 against test/helpers/http-remote.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { classifyRemoteError } from "../../src/git/parse.js";
import { GitError } from "../../src/git/run.js";
import { lowSpeedSeconds, NO_PROMPT_ENV, RemoteFailed, remoteError, remoteUrlIn, withoutCredentials } from "../../src/sync/remote.js";
import type { BranchInfo } from "../../src/sync/repoinfo.js";

const SAMPLES = {
  noUser: "fatal: could not read Username for 'http://127.0.0.1:37607': terminal prompts disabled\n",
  wrongPassword: "remote: authentication required\nfatal: Authentication failed for 'http://127.0.0.1:37607/remote.git/'\n",
  forbidden: "fatal: unable to access 'http://127.0.0.1:37607/remote.git/': The requested URL returned error: 403\n",
  hungBeforeReply:
    "fatal: unable to access 'http://127.0.0.1:37607/remote.git/': Operation too slow. Less than 1000 bytes/sec transferred the last 3 seconds\n",
  hungAfterPack:
    "error: RPC failed; curl 28 Operation too slow. Less than 1000 bytes/sec transferred the last 3 seconds\n" +
    "send-pack: unexpected disconnect while reading sideband packet\n" +
    "fatal: the remote end hung up unexpectedly\n",
  refused: "fatal: unable to access 'http://127.0.0.1:1/remote.git/': Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server\n",
};

const B: BranchInfo = { branch: "main", remote: "origin", remoteRef: "refs/heads/main", tracking: "refs/remotes/origin/main", userName: undefined, userEmail: undefined };

test("refused credentials are auth (77), before the 'unable to access' they share with network failures", () => {
  assert.equal(classifyRemoteError(SAMPLES.noUser), "auth");
  assert.equal(classifyRemoteError(SAMPLES.wrongPassword), "auth");
  assert.equal(classifyRemoteError(SAMPLES.forbidden), "auth");
  assert.equal(classifyRemoteError("error: RPC failed; HTTP 401 curl 22 The requested URL returned error: 401\nfatal: the remote end hung up unexpectedly"), "auth");
});

test("a server that stops answering is unreachable (69), never a rejected push to retry", () => {
  assert.equal(classifyRemoteError(SAMPLES.hungBeforeReply), "unreachable");
  assert.equal(classifyRemoteError(SAMPLES.hungAfterPack), "unreachable");
  assert.equal(classifyRemoteError(SAMPLES.hungAfterPack + "error: failed to push some refs to 'http://127.0.0.1:37607/remote.git'\n"), "unreachable");
  assert.equal(classifyRemoteError(SAMPLES.refused), "unreachable");
  // a real rejection still retries
  assert.equal(classifyRemoteError(" ! [rejected]        main -> main (fetch first)\nerror: failed to push some refs to 'http://x/r.git'"), "rejected");
});

test("the reason shown for a pending push is the cause, not git's closing 'hung up' line", () => {
  assert.match(new RemoteFailed("unreachable", SAMPLES.hungAfterPack, "push").reason, /^RPC failed; curl 28 Operation too slow/);
  assert.match(new RemoteFailed("unreachable", SAMPLES.refused, "fetch").reason, /Couldn't connect to server/);
  assert.equal(new RemoteFailed("unreachable", "fatal: something else\n", "fetch").reason, "something else");
});

test("a refused push is a PermissionError (77) naming the remote and its URL, never the password", () => {
  const f = new RemoteFailed("auth", SAMPLES.wrongPassword, "push");
  f.url = withoutCredentials("http://mike:s3cret@127.0.0.1:37607/remote.git");
  const e = remoteError(f, B) as Error & { exitCode: number };
  assert.equal(e.exitCode, 77);
  assert.match(e.message, /^push to remote "origin" \(http:\/\/127\.0\.0\.1:37607\/remote\.git\) was refused: the credentials are missing or wrong\. Fix the credentials/);
  assert.match(e.message, /Your commits are kept locally/);
  assert.doesNotMatch(e.message, /s3cret/);
  const forbidden = remoteError(new RemoteFailed("auth", SAMPLES.forbidden, "push"), B);
  assert.match(forbidden.message, /\(http:\/\/127\.0\.0\.1:37607\/remote\.git\) was refused: the credentials were accepted but are not allowed to do this \(HTTP 403\)/);
  const fetch = remoteError(new RemoteFailed("auth", SAMPLES.noUser, "fetch"), B);
  assert.match(fetch.message, /^fetch from remote "origin" \(http:\/\/127\.0\.0\.1:37607\)/);
});

test("URLs lose their credentials; scp-style ssh addresses are left alone", () => {
  assert.equal(withoutCredentials("https://x-access-token:ghp_abc@github.com/acme/kb.git"), "https://github.com/acme/kb.git");
  assert.equal(withoutCredentials("https://token@host/kb.git/"), "https://host/kb.git");
  assert.equal(withoutCredentials("git@github.com:acme/kb.git"), "git@github.com:acme/kb.git");
  assert.equal(remoteUrlIn("fatal: unable to access 'https://u:p@h/r.git/': x"), "https://h/r.git");
  assert.equal(remoteUrlIn("fatal: nothing quoted"), undefined);
});

test("the low-speed window is half the timeout, between 1 and 60 s, so git's own message beats the kill", () => {
  assert.equal(lowSpeedSeconds(120), 60);
  assert.equal(lowSpeedSeconds(600), 60);
  assert.equal(lowSpeedSeconds(5), 3);
  assert.equal(lowSpeedSeconds(1), 1);
  for (const t of [1, 2, 5, 10, 60, 119, 3600]) assert.ok(lowSpeedSeconds(t) <= t);
});

test("remote calls run with no askpass at all (empty GIT_ASKPASS shadows core.askPass and SSH_ASKPASS)", () => {
  assert.deepEqual(NO_PROMPT_ENV, { GIT_ASKPASS: "", SSH_ASKPASS_REQUIRE: "never" });
});

test("a git killed at the timeout is unreachable with the timeout as its reason", async () => {
  const { fetchUpstream } = await import("../../src/sync/remote.js");
  const git = {
    cwd: "/x",
    run: async (args: readonly string[], opts?: { timeoutMs?: number; extraEnv?: Record<string, string> }) => {
      assert.equal(opts?.timeoutMs, 7000);
      assert.equal(opts?.extraEnv?.GIT_ASKPASS, "");
      assert.ok(args.includes("http.lowSpeedTime=4"));
      throw new GitError(args, 143, "", true);
    },
    read: async () => "",
  };
  await assert.rejects(fetchUpstream(git as never, B, 7), (e: unknown) => {
    assert.ok(e instanceof RemoteFailed);
    assert.equal(e.kind, "unreachable");
    assert.equal(e.reason, "no answer within 7s (sync.remoteTimeoutSeconds)");
    return true;
  });
});
