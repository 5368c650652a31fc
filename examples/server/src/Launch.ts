/**
 * What a tool that starts this server as a child process needs (the end-to-end tests, the HTTP bench):
 * the environment to give it, and how to find its address in the JSON line it logs once listening.
 */

/**
 * The parent's environment without any setting of the server's own (`STINT_*`, `DATABASE_URL`,
 * `PORT`, `HOST`), so that only the settings given apply, plus those.
 */
export const environment = (settings: Readonly<Record<string, string>>): Record<string, string> => ({
  ...Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && !/^(STINT_|DATABASE_URL$|PORT$|HOST$)/.test(entry[0])
    )
  ),
  ...settings
})

/** The base URL from a JSON log line `{"message":"listening","annotations":{"url":…}}`, if it is one. */
export const listeningUrl = (line: string): string | undefined => {
  let parsed: unknown
  try {
    parsed = JSON.parse(line)
  } catch {
    return undefined
  }
  if (typeof parsed !== "object" || parsed === null) return undefined
  const { message, annotations } = parsed as { message?: unknown; annotations?: { url?: unknown } }
  const isListening = message === "listening" || (Array.isArray(message) && message.includes("listening"))
  return isListening && typeof annotations?.url === "string" ? annotations.url : undefined
}
