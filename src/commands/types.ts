// The shape every CLI command has: the CLI parses flags into options, runs, prints, and maps errors to exit codes.
import type { ParseArgsConfig } from "node:util";
import type { Deps } from "../deps.js";

export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Io {
  out: (text: string) => void;
  json: boolean;
}

export interface Command<O, R> {
  /** One line: `logbook <name> <args>`. */
  usage: string;
  summary: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  /** How many positionals are allowed (default none). */
  positionals?: { min: number; max: number; names: string };
  parse(values: Values, positionals: string[]): O;
  run(options: O, deps: Deps): Promise<R>;
  print(result: R, io: Io): void;
  /** A result can still mean a non-zero exit (e.g. saved, but the sync was deferred). */
  exitCode?(result: R): number;
}

export function str(v: Values[string]): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function strs(v: Values[string]): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : [];
}

export const jsonFlag = { json: { type: "boolean" } } as const;
