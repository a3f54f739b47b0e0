// yaml is loaded on demand (only commands that read config or frontmatter pay for it).
export { parse as parseYaml, stringify as stringifyYaml } from "yaml";
