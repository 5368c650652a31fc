/** Bench settings from the environment. */

/** A positive integer from `name`, or `fallback` when unset; anything else stops the bench with why. */
export const positiveInt = (name: string, fallback: number): number => {
  const text = process.env[name]
  if (text === undefined || text === "") return fallback
  const value = Number(text)
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${text}`)
  return value
}
