/**
 * Shared storage cannot be reached now. Thrown by this project's own code (the outbox, when a read
 * has nothing kept to answer with); ioredis throws its own errors, recognised below.
 */
export class StorageUnavailableError extends Error {
  constructor(what: string) {
    super(`shared storage is not answering: ${what}`)
  }
}

/** Whether `err` means storage is away (Redis restarting or unreachable), not that a request was wrong. */
export function isStorageOutage(err: unknown): boolean {
  if (err instanceof StorageUnavailableError) return true
  if (!(err instanceof Error)) return false
  // ioredis's errors while it has no connection: its MaxRetriesPerRequestError, and the messages of
  // its connection and timeout errors (it exports no classes for those).
  return (
    err.name === 'MaxRetriesPerRequestError' ||
    /Connection is closed|Command timed out|ECONNREFUSED|ECONNRESET|Stream isn't writeable/.test(err.message)
  )
}
