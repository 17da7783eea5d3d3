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

/** A reply the patient's channel cannot deliver now (WeChat's 48-hour window has closed). */
export class PatientUnreachableError extends Error {
  constructor(readonly ticketId: string) {
    super(`the patient of ticket ${ticketId} can no longer be written to on their channel`)
  }
}
