/**
 * `bench/RESULTS.md` is written by two commands: `pnpm bench` rewrites the whole file and keeps the
 * HTTP section it finds, `pnpm bench:http` replaces only its own section. A section runs from its
 * `## ` heading to the next `## ` heading or the end of the file.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/** Where the results go. */
export const path = join(dirname(fileURLToPath(import.meta.url)), "..", "RESULTS.md")

/** The heading of the section `pnpm bench:http` owns. */
export const httpHeading = "## HTTP load (pnpm bench:http)"

/** The file's text, or "" when there is none yet. */
export const read = (): string => (existsSync(path) ? readFileSync(path, "utf8") : "")

const bounds = (text: string, heading: string): { readonly start: number; readonly end: number } | undefined => {
  const lines = text.split("\n")
  const first = lines.indexOf(heading)
  if (first === -1) return undefined
  let last = lines.findIndex((line, i) => i > first && line.startsWith("## "))
  if (last === -1) last = lines.length
  const offset = (line: number) => lines.slice(0, line).reduce((sum, l) => sum + l.length + 1, 0)
  return { start: offset(first), end: Math.min(text.length, offset(last)) }
}

/** The section under `heading` (heading included), or "" when the text has none. */
export const section = (text: string, heading: string): string => {
  const found = bounds(text, heading)
  return found === undefined ? "" : text.slice(found.start, found.end)
}

/** `text` with the section under `heading` replaced by `content`, or with `content` appended. */
export const withSection = (text: string, heading: string, content: string): string => {
  const block = content.endsWith("\n") ? content : `${content}\n`
  const found = bounds(text, heading)
  if (found === undefined) {
    if (text === "") return `# Stint benchmark results\n\n${block}`
    return `${text.replace(/\n*$/, "\n\n")}${block}`
  }
  const after = text.slice(found.end)
  return `${text.slice(0, found.start)}${block}${after === "" ? "" : `\n${after.replace(/^\n+/, "")}`}`
}

/** Replaces (or appends) one section of the results file. */
export const writeSection = (heading: string, content: string): void => {
  writeFileSync(path, withSection(read(), heading, content))
}
