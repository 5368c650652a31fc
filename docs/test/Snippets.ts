/**
 * The snippets of the guide: every ```ts (or ```typescript) block in README.md and docs/*.md, written
 * out as one module each so the compiler and tsx see them exactly as a reader copies them.
 *
 * A block is a complete module with its own imports. A block whose first line is a comment naming a
 * file (`// WaitingRequests.ts`) is written under that name, so later blocks of the same page can
 * import it (`./WaitingRequests.js`). A block fenced ```ts run is also executed.
 */
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import ts from "typescript"

/** The docs package (docs/). */
export const docsDir = path.resolve(import.meta.dirname, "..")
/** The repository root. */
export const rootDir = path.resolve(docsDir, "..")
/** Where the blocks are written: inside the docs package, so its dependencies resolve; gitignored. */
export const outDir = path.join(docsDir, ".tmp", "snippets")

/** One fenced TypeScript block. */
export interface Snippet {
  /** The markdown file, relative to the repository root (`docs/projections.md`). */
  readonly source: string
  /** The 1-based line of the opening fence. */
  readonly fenceLine: number
  /** Spaces removed from the start of every line (a block indented inside a list). */
  readonly indent: number
  /** Execute it with tsx as well as type-checking it. */
  readonly run: boolean
  /**
   * What a `ts run` block must print: the next block when it is fenced ```text output (line by line;
   * `…` in an expected line stands for any text, such as a generated id).
   */
  readonly expected?: { readonly line: number; readonly text: string }
  /** The module's file name within its page's folder. */
  readonly fileName: string
  /** The absolute path it is written to. */
  readonly file: string
  readonly code: string
}

/** The markdown files whose TypeScript blocks are checked. */
export const sources = (): ReadonlyArray<string> => [
  "README.md",
  ...fs
    .readdirSync(docsDir)
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`)
]

const opening = /^( *)(`{3,}|~{3,})\s*([^\s`]*)(.*)$/
const namedFile = /^\/\/\s*([A-Za-z0-9_.-]+\.tsx?)\s*$/

/** The TypeScript blocks of one markdown text, in order. Fails on an unclosed fence or a repeated file name. */
export const extract = (source: string, markdown: string): ReadonlyArray<Snippet> => {
  const lines = markdown.split(/\r?\n/)
  const dir = path.join(outDir, source.replace(/\.md$/, "").replaceAll("/", "-"))
  const snippets: Array<Snippet> = []
  const names = new Map<string, number>()
  for (let i = 0; i < lines.length; i++) {
    const open = opening.exec(lines[i]!)
    if (open === null) continue
    const [, indentText, fence, lang, rest] = open as unknown as [string, string, string, string, string]
    const closing = new RegExp(`^ *${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`)
    let end = i + 1
    while (end < lines.length && !closing.test(lines[end]!)) end++
    if (end === lines.length) throw new Error(`${source}:${i + 1}: a code fence is never closed`)
    const language = lang.toLowerCase()
    if (language === "text" && /(^|\s)output(\s|$)/.test(rest)) {
      const previous = snippets.at(-1)
      if (previous === undefined || !previous.run || previous.expected !== undefined) {
        throw new Error(`${source}:${i + 1}: a \`text output\` block must follow the \`ts run\` block it shows`)
      }
      const text = lines.slice(i + 1, end).join("\n")
      snippets[snippets.length - 1] = { ...previous, expected: { line: i + 1, text } }
    }
    if (language === "ts" || language === "typescript") {
      const indent = indentText.length
      const body = lines
        .slice(i + 1, end)
        .map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length)))
      const named = namedFile.exec(body[0] ?? "")
      const fileName = named?.[1] ?? `L${i + 1}.ts`
      const earlier = names.get(fileName)
      if (earlier !== undefined) {
        throw new Error(`${source}:${i + 1}: a block names ${fileName}, as the block at line ${earlier} already does`)
      }
      names.set(fileName, i + 1)
      snippets.push({
        source,
        fenceLine: i + 1,
        indent,
        run: /(^|\s)run(\s|$)/.test(rest),
        fileName,
        file: path.join(dir, fileName),
        code: `${body.join("\n")}\n`
      })
    }
    i = end
  }
  return snippets
}

/** Extracts every page's blocks and writes them (and the tsconfig they are checked with) to `outDir`. */
export const writeAll = (): ReadonlyArray<Snippet> => {
  fs.rmSync(outDir, { recursive: true, force: true })
  fs.mkdirSync(outDir, { recursive: true })
  const snippets = sources().flatMap((source) => extract(source, fs.readFileSync(path.join(rootDir, source), "utf8")))
  for (const snippet of snippets) {
    fs.mkdirSync(path.dirname(snippet.file), { recursive: true })
    fs.writeFileSync(snippet.file, snippet.code)
  }
  // The workspace's compiler settings (strict, exactOptionalPropertyTypes, noUnusedLocals, NodeNext);
  // only what a build needs to emit is turned off, and every block is a module of its own.
  const tsconfig = {
    extends: path.relative(outDir, path.join(rootDir, "tsconfig.base.json")),
    compilerOptions: {
      composite: false,
      declaration: false,
      declarationMap: false,
      sourceMap: false,
      noEmit: true,
      moduleDetection: "force"
    },
    include: ["**/*.ts"]
  }
  fs.writeFileSync(path.join(outDir, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`)
  return snippets
}

/** A compiler message, placed in the markdown file (or, for the checker's own files, in that file). */
export interface Problem {
  readonly where: string
  readonly message: string
}

const format = (diagnostic: ts.Diagnostic, place: (file: string, line: number, column: number) => string): Problem => {
  const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")
  if (diagnostic.file === undefined || diagnostic.start === undefined) {
    return { where: "tsconfig", message: `TS${diagnostic.code}: ${text}` }
  }
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
  const where = place(diagnostic.file.fileName, line, character)
  return { where, message: `${where} TS${diagnostic.code}: ${text}` }
}

/** The result of one compiler run over every block (and over the checker's own files). */
export interface Compiled {
  /** Messages that belong to no file: a bad tsconfig. */
  readonly global: ReadonlyArray<Problem>
  /** Messages per block file, placed at their markdown line and column. */
  readonly byFile: ReadonlyMap<string, ReadonlyArray<Problem>>
}

/** Type-checks every block in one program, plus `extraFiles` (reported at their own paths). */
export const compile = (snippets: ReadonlyArray<Snippet>, extraFiles: ReadonlyArray<string>): Compiled => {
  const configPath = path.join(outDir, "tsconfig.json")
  const global: Array<Problem> = []
  const config = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        global.push(format(d, () => "tsconfig"))
      }
    }
  )
  if (config === undefined) return { global, byFile: new Map() }
  global.push(...config.errors.map((d) => format(d, () => "tsconfig")))
  const program = ts.createProgram({ rootNames: [...config.fileNames, ...extraFiles], options: config.options })
  global.push(
    ...[...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].map((d) => format(d, () => "tsconfig"))
  )
  const bySnippetFile = new Map(snippets.map((s) => [path.resolve(s.file), s]))
  const place = (file: string, line: number, column: number) => {
    const snippet = bySnippetFile.get(path.resolve(file))
    return snippet === undefined
      ? `${path.relative(rootDir, file)}:${line + 1}:${column + 1}`
      : `${snippet.source}:${snippet.fenceLine + 1 + line}:${column + 1 + snippet.indent}`
  }
  const byFile = new Map<string, ReadonlyArray<Problem>>()
  for (const file of [...bySnippetFile.keys(), ...extraFiles.map((f) => path.resolve(f))]) {
    const sourceFile = program.getSourceFile(file)
    if (sourceFile === undefined) {
      byFile.set(file, [{ where: file, message: `${file}: the compiler did not load it` }])
      continue
    }
    const diagnostics = [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)]
    byFile.set(
      file,
      diagnostics.map((d) => format(d, place))
    )
  }
  return { global, byFile }
}

/** What a run of a block printed, and how it ended. */
export interface RunResult {
  readonly code: number | null
  readonly signal: string | null
  readonly timedOut: boolean
  /** Standard output alone, for blocks whose output the page shows. */
  readonly stdout: string
  /** Standard output and error, for the failure message. */
  readonly output: string
}

/**
 * Where printed output differs from what the page shows, as a message; undefined when it matches.
 * Trailing blank lines are ignored; `…` in an expected line matches any text.
 */
export const outputMismatch = (expected: string, printed: string): string | undefined => {
  const want = expected.trimEnd().split("\n")
  const got = printed.trimEnd().split("\n")
  const matches = (pattern: string, line: string) =>
    new RegExp(
      `^${pattern
        .split("…")
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*")}$`
    ).test(line)
  for (let k = 0; k < Math.max(want.length, got.length); k++) {
    if (want[k] === undefined || got[k] === undefined || !matches(want[k]!, got[k]!)) {
      return `line ${k + 1}: expected ${JSON.stringify(want[k] ?? "(nothing)")}, printed ${JSON.stringify(got[k] ?? "(nothing)")}`
    }
  }
  return undefined
}

const tsxCli = createRequire(import.meta.url).resolve("tsx/cli")

/** Rewrites `<block file>:line:column` in a run's output (stack traces) to the block's Markdown line. */
const placeInMarkdown = (snippet: Snippet, output: string): string =>
  output.replace(
    new RegExp(`${snippet.file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:(\\d+):(\\d+)`, "g"),
    (_, line: string, column: string) =>
      `${snippet.source}:${snippet.fenceLine + Number(line)}:${Number(column) + snippet.indent}`
  )

/**
 * Runs a block with tsx in a fresh temporary working directory (so relative paths such as
 * `data/stint.db` land there), which is removed afterwards.
 */
export const run = (snippet: Snippet, timeoutMs: number): Promise<RunResult> => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "stint-snippet-"))
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "development" }
  // A block must not reach a database or server the environment happens to name.
  delete env.DATABASE_URL
  delete env.STINT_PG_URL
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [tsxCli, snippet.file],
      { cwd, env, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        fs.rmSync(cwd, { recursive: true, force: true })
        const failure = error as (Error & { code?: number | string; signal?: string; killed?: boolean }) | null
        resolve({
          code: failure === null ? 0 : typeof failure.code === "number" ? failure.code : null,
          signal: failure?.signal ?? null,
          timedOut: failure?.killed === true,
          stdout,
          output: placeInMarkdown(snippet, `${stdout}${stderr}`)
        })
      }
    )
  })
}
