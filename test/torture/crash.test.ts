// Short torture (b): SIGKILL at pipeline steps picked by the seed (the vault step always), then a normal sync.
import { test } from "node:test";
import { crashCase } from "../../torture/cases/crash.js";
import { linuxOnly, shortCase } from "./kit.js";

test("torture, short: a save killed at random pipeline steps and the vault; the next sync leaves every log once", linuxOnly, async (t) => {
  await shortCase(t, "crash", crashCase);
});
