// Which files a Bash command plainly deleted or moved: parsed conservatively, never guessed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { bashPathOps, type PathOp } from "../../src/log/bash-paths.js";

const dirs = new Set(["/r/archive"]);
const ops = (command: string, cwd: string | null = "/r"): PathOp[] => bashPathOps(command, { cwd: cwd ?? undefined, isDirectory: (p) => dirs.has(p) });
const del = (...paths: string[]): PathOp[] => paths.map((path) => ({ op: "delete", path }));

test("rm: options, --, quoting, escapes, absolute and relative paths, sudo, /bin/rm", () => {
  assert.deepEqual(ops("rm a.txt"), del("/r/a.txt"));
  assert.deepEqual(ops("rm -rf build/ -v"), del("/r/build"));
  assert.deepEqual(ops("rm -- -odd-name 'with space.md' \"dq name.md\" esc\\ aped.md"), del("/r/-odd-name", "/r/with space.md", "/r/dq name.md", "/r/esc aped.md"));
  assert.deepEqual(ops("sudo rm /etc/old.conf"), del("/etc/old.conf"));
  assert.deepEqual(ops("/bin/rm x"), del("/r/x"));
  assert.deepEqual(ops("\\rm x"), del("/r/x"));
});

test("git rm deletes; git rm --cached / -n and rm -i do not plainly delete", () => {
  assert.deepEqual(ops("git rm -r -q old/"), del("/r/old"));
  assert.deepEqual(ops("git rm --cached secret.env"), []);
  assert.deepEqual(ops("git rm -n a"), []);
  assert.deepEqual(ops("rm -i a"), []);
  assert.deepEqual(ops("git status && git commit -m 'rm stuff'"), []);
});

test("expansions are never resolved: variables, globs, command substitution, ~, braces", () => {
  assert.deepEqual(ops("rm $FILE"), []);
  assert.deepEqual(ops('rm "$DIR/x"'), []);
  assert.deepEqual(ops("rm *.log keep.txt"), del("/r/keep.txt"));
  assert.deepEqual(ops("rm $(cat list) other"), del("/r/other"));
  assert.deepEqual(ops("rm `cat list`"), []);
  assert.deepEqual(ops("rm ~/x a{1,2}"), []);
  assert.deepEqual(ops("mv $A b"), [], "an mv with an unknown operand says nothing");
});

test("command lists, pipes, redirections, comments, heredocs", () => {
  assert.deepEqual(ops("make clean && rm a; rm b || rm c\nrm d & rm e"), del("/r/a", "/r/b", "/r/c", "/r/d", "/r/e"));
  assert.deepEqual(ops("rm a 2>/dev/null >out.log"), del("/r/a"));
  assert.deepEqual(ops("rm a 2> /dev/null"), del("/r/a"));
  assert.deepEqual(ops("ls | xargs rm"), []);
  assert.deepEqual(ops("echo rm a # rm b"), []);
  assert.deepEqual(ops("cat <<EOF > x\nrm a\nEOF"), []);
  assert.deepEqual(ops("echo 'rm a'"), []);
  assert.deepEqual(ops("rm 'unterminated"), []);
});

test("cd changes the directory for what follows; a subshell's cd does not outlive it; unknown cd drops relative paths", () => {
  assert.deepEqual(ops("cd sub && rm a"), del("/r/sub/a"));
  assert.deepEqual(ops("cd /tmp/x; rm a"), del("/tmp/x/a"));
  assert.deepEqual(ops("(cd sub && rm a) && rm b"), del("/r/sub/a", "/r/b"));
  assert.deepEqual(ops("cd $X && rm a /abs/b"), del("/abs/b"));
  assert.deepEqual(ops("cd && rm a"), []);
  assert.deepEqual(ops("cd - && rm a"), []);
  assert.deepEqual(ops("rm a", null), [], "no cwd known: relative paths are not resolved");
  assert.deepEqual(ops("rm /abs/a", null), del("/abs/a"));
});

test("mv and git mv: the source is deleted, the destination created (inside a directory when it is one)", () => {
  assert.deepEqual(ops("mv a.md b.md"), [{ op: "delete", path: "/r/a.md" }, { op: "create", path: "/r/b.md" }]);
  assert.deepEqual(ops("mv -f a.md archive"), [{ op: "delete", path: "/r/a.md" }, { op: "create", path: "/r/archive/a.md" }]);
  assert.deepEqual(ops("git mv a b new/"), [
    { op: "delete", path: "/r/a" },
    { op: "create", path: "/r/new/a" },
    { op: "delete", path: "/r/b" },
    { op: "create", path: "/r/new/b" },
  ]);
  assert.deepEqual(ops("mv -t dest a"), [], "-t swaps the operands: not parsed");
  assert.deepEqual(ops("mv -n a b"), [], "-n may leave the source");
  assert.deepEqual(ops("mv a"), []);
});
