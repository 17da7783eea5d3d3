/** Knowledge that cannot be loaded or built: every problem, each one an admin can act on. */
export class KnowledgeError extends Error {
  constructor(readonly problems: string[]) {
    super(`knowledge base is invalid:\n- ${problems.join('\n- ')}`)
  }
}

/** A draft an admin's edit, import or release would make invalid; nothing is changed. */
export class KnowledgeInvalidError extends Error {
  constructor(readonly problems: string[]) {
    super(`the knowledge base has ${problems.length} problem(s)`)
  }
}

/** A CSV table that does not read back into its section: the problem, named with its table. */
export class CsvError extends KnowledgeInvalidError {
  constructor(table: string, problem: string) {
    super([`${table}.csv: ${problem}`])
  }
}

/** A release would remove more than half of the live intents and the admin has not confirmed it. */
export class RemovalNotConfirmedError extends Error {
  constructor(
    readonly removed: string[],
    readonly total: number,
  ) {
    super(`the release removes ${removed.length} of ${total} intents`)
  }
}
