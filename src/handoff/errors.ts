export class NotYourTicketError extends Error {
  constructor(readonly ticketId: string) {
    super(`ticket ${ticketId} is assigned to another agent`)
  }
}

/** A transfer to an account that does not exist or was deactivated. */
export class NoSuchAgentError extends Error {
  constructor(readonly agentId: string) {
    super(`no active agent ${agentId}`)
  }
}
