import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { parseDoc, type SearchDoc } from "../../src/search/doc.js";
import { parseQuery } from "../../src/search/query.js";
import { SqliteBackend, loadSqlite } from "../../src/search/sqlite.js";
import { tmpDir } from "../helpers/index.js";
import { logText } from "./fixture.js";

function doc(path: string, body: string): SearchDoc {
  return parseDoc(path, logText({ user: "mike", date: "2026-05-01", topic: "t", scope: "general", body }))!;
}

const state = (head: string) => ({ head, dirty: new Map([["session-logs/x.md", "1:1:1:1"]]), fingerprint: `fp-${head}` });

// The addon driven directly (the fast path) and better-sqlite3's public API must behave the same.
for (const wrapper of [false, true]) {
  test(`sqlite backend (${wrapper ? "public API" : "addon"}): create, rebuild, update, remove, state, errors`, (t) => {
    const file = join(tmpDir(t), "search.sqlite");
    const connect = loadSqlite({ wrapper });
    const { backend, created } = SqliteBackend.open(connect, file);
    assert.equal(created, true);
    try {
      backend.replaceAll({
        upserts: [doc("session-logs/a.md", "alpha beta"), doc("session-logs/b.md", "beta gamma"), doc("session-logs/c.md", "gamma")],
        removals: [],
        state: state("h1"),
      });
      const q = (text: string) => backend.search(parseQuery(text), {}, 10).map((h) => h.path);
      assert.deepEqual(q("beta").sort(), ["session-logs/a.md", "session-logs/b.md"]);
      assert.deepEqual(backend.readState(), state("h1"));
      assert.equal(backend.count(), 3);
      backend.apply({ upserts: [doc("session-logs/a.md", "delta")], removals: ["session-logs/c.md"], state: state("h2") });
      assert.deepEqual(q("beta"), ["session-logs/b.md"]);
      assert.deepEqual(q("delta"), ["session-logs/a.md"]);
      assert.deepEqual(q("gamma"), ["session-logs/b.md"]);
      assert.equal(backend.count(), 2);
      assert.deepEqual(backend.readState(), state("h2"));
      // A rebuild replaces everything.
      backend.replaceAll({ upserts: [doc("session-logs/z.md", "omega")], removals: [], state: state("h3") });
      assert.deepEqual(q("beta"), []);
      assert.deepEqual(q("omega"), ["session-logs/z.md"]);
      assert.equal(backend.count(), 1);
    } finally {
      backend.close();
    }
    // Reopened: the same index, not created again.
    const again = SqliteBackend.open(connect, file);
    assert.equal(again.created, false);
    assert.equal(again.backend.count(), 1);
    again.backend.close();
    // A failed statement rolls the transaction back and surfaces as SqliteError with its code.
    const db = connect(file, { fileMustExist: true });
    db.exec("BEGIN IMMEDIATE");
    assert.throws(() => db.exec("INSERT INTO nope VALUES (1)"), (e: Error & { code?: string }) => e.name === "SqliteError" && e.code === "SQLITE_ERROR");
    db.exec("ROLLBACK");
    db.close();
    assert.throws(() => connect(join(file, "..", "missing.sqlite"), { fileMustExist: true }), (e: Error & { code?: string }) => e.code === "SQLITE_CANTOPEN");
  });
}
