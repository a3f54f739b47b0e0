// Short torture (d): saves while a git daemon remote is up, down or flapping.
import { test } from "node:test";
import { flakyCase } from "../../torture/cases/flaky.js";
import { linuxOnly, shortCase } from "./kit.js";

test("torture, short: a flapping git daemon; 69 when down, pushed on the next run, no log lost or doubled", linuxOnly, async (t) => {
  await shortCase(t, "flaky", flakyCase);
});
