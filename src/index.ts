// The library API: what other tools may import. Everything else is internal.
export type { Deps } from "./deps.js";
export type { LogEvent } from "./events.js";
export * from "./errors.js";
export { run as save, type SaveOptions, type SaveResult } from "./commands/save.js";
export { run as whoami } from "./commands/whoami.js";
export { run as init, type InitOptions, type InitResult } from "./commands/init.js";
export { parseNarrative, SECTIONS } from "./log/narrative.js";
export { parseScope, logDir, scopeOfPath, type Scope } from "./log/scope.js";
export { slugProblem, toSlug } from "./log/slug.js";
export type { Config } from "./config/config.js";
export { validateConfig } from "./config/schema.js";
export { runSearch, type SearchOptions, type SearchResult } from "./commands/search.js";
export { updateSearchIndex } from "./search/index.js";
export { runWikiPhase } from "./wiki/phase.js";
export { renderIndex, writeIndex } from "./wiki/index.js";
export { run as sync } from "./commands/sync.js";
export { run as checkpoint } from "./commands/checkpoint.js";
