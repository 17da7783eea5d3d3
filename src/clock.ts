/**
 * The time the app lives in. Production uses the system clock; tests pass their own into
 * `buildApp(config, { clock })`, so stored records, reports and retention never depend on the day
 * the tests run.
 */
export type Clock = () => Date

export const systemClock: Clock = () => new Date()
