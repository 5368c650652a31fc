/**
 * The environment of a server that a tool starts as a child process (the end-to-end tests, the HTTP
 * bench): the parent's, without any setting of the server's own (`STINT_*`, `DATABASE_URL`, `PORT`,
 * `HOST`), so that only the settings given apply, plus those.
 */
export const forChild = (settings: Readonly<Record<string, string>>): Record<string, string> => ({
  ...Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && !/^(STINT_|DATABASE_URL$|PORT$|HOST$)/.test(entry[0])
    )
  ),
  ...settings
})
