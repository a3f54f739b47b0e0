// `logbook schedule`: being built (see the issue); replaced by its real module.
import { InternalError } from "../errors.js";
import type { Command } from "./types.js";

export const command: Command<Record<string, never>, never> = {
  usage: "logbook schedule",
  summary: "not built yet",
  options: {},
  positionals: { min: 0, max: 100, names: "arguments" },
  parse: () => ({}),
  run: () => Promise.reject(new InternalError("logbook schedule is not available in this build yet")),
  print: () => {},
};
