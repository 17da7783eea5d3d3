import { describe, expect, it } from 'vitest'
import {
  compareAndSet,
  IllegalTransitionError,
  nextStatus,
  TICKET_ACTIONS,
  type LifecycleState,
  type TicketAction,
} from '../../src/handoff/lifecycle.js'

describe('the handoff lifecycle table', () => {
  // Every (state, action) pair: the moves the README and the console promise, and nothing else.
  const moves: Array<[LifecycleState, TicketAction, string]> = [
    ['new', 'open', 'queued'],
    ['queued', 'claim', 'assigned'],
    ['queued', 'escalate', 'queued'],
    ['queued', 'close', 'closed'],
    ['assigned', 'reply', 'assigned'],
    ['assigned', 'transfer', 'assigned'],
    ['assigned', 'release', 'queued'],
    ['assigned', 'escalate', 'assigned'],
    ['assigned', 'handBack', 'resolved'],
    ['assigned', 'close', 'closed'],
  ]
  const states: LifecycleState[] = ['new', 'queued', 'assigned', 'resolved', 'closed']

  for (const from of states) {
    for (const action of TICKET_ACTIONS) {
      const move = moves.find(([f, a]) => f === from && a === action)
      it(`${action} from ${from}: ${move ? move[2] : 'refused'}`, () => {
        if (move) expect(nextStatus(from, action)).toBe(move[2])
        else expect(() => nextStatus(from, action)).toThrow(IllegalTransitionError)
      })
    }
  }

  it('writes each move of a stored ticket as one compare-and-set', () => {
    expect(compareAndSet('claim')).toEqual({ from: ['queued'], to: 'assigned' })
    expect(compareAndSet('close')).toEqual({ from: ['queued', 'assigned'], to: 'closed' })
    expect(compareAndSet('handBack')).toEqual({ from: ['assigned'], to: 'resolved' })
    expect(compareAndSet('release')).toEqual({ from: ['assigned'], to: 'queued' })
    // Escalating keeps the status it finds, queued or assigned: no status is written.
    expect(compareAndSet('escalate')).toEqual({ from: ['queued', 'assigned'] })
    expect(compareAndSet('reply')).toEqual({ from: ['assigned'] })
  })

  it('opens a ticket by creating it, never by a compare-and-set on a stored one', () => {
    expect(() => compareAndSet('open')).toThrow(/no move of a stored ticket/)
  })
})
