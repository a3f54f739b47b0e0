// Short torture (c): concurrent sessions sync while writer processes change uncommitted files in the same trees.
import { test } from "node:test";
import { writersCase } from "../../torture/cases/writers.js";
import { linuxOnly, shortCase } from "./kit.js";

test("torture, short: syncs amid writers of uncommitted files; every file as its writer left it, none committed", linuxOnly, async (t) => {
  await shortCase(t, "writers", writersCase);
});
