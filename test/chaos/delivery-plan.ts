import { createHash } from 'node:crypto'
import type { JsonValue } from 'holdpoint'
import { maxReviewRounds } from './workload.js'

/** A request some run waits on, as the inbox shows it. */
export interface OpenRequest {
  runId: string
  requestId: string
  visit: number
  createdAt: Date
  expiresAt: Date | null
}

/** How a request gets answered; every deliverer derives the same plan from the same request. */
export type DeliveryPattern =
  /** One deliverer, once. */
  | 'single'
  /** One deliverer, twice in a row with the same answer. */
  | 'duplicate'
  /** Every deliverer at the same instant, with the same answer. */
  | 'simultaneous'
  /** Two deliverers at the same instant with different answers: one wins, one is refused. */
  | 'conflicting'
  /** One deliverer, then another one later, when the run has usually moved on. */
  | 'late-duplicate'
  /** Nobody answers: the deadline passes and the default applies. */
  | 'none'
  /** One deliverer exactly at the deadline, racing the worker that fires it. */
  | 'at-deadline'
  /** One deliverer after the deadline, usually refused. */
  | 'after-deadline'

/** One delivery a deliverer makes. A deliverer makes its own deliveries of a plan in order. */
export interface PlannedDelivery {
  deliverer: number
  /** Not before this time (ms since the epoch); the same instant for simultaneous ones. */
  at: number
  answer: JsonValue
}

/** Who answers a request, when, and with what. */
export interface DeliveryPlan {
  pattern: DeliveryPattern
  deliveries: PlannedDelivery[]
}

/** Long enough after a request appears that every deliverer, polling every 100 ms, has seen it. */
const settleMs = 300

/**
 * The plan for one request, a pure function of the seed and the request, so that deliverers
 * agree without talking to each other: that is what makes simultaneous deliveries simultaneous.
 */
export function planDelivery(seed: number, request: OpenRequest, deliverers: number): DeliveryPlan {
  const h = hashes(`${seed}|${request.runId}|${request.requestId}|${request.visit}`)
  const owner = (h[0] as number) % deliverers
  const other = (owner + 1) % deliverers
  const t0 = request.createdAt.getTime() + settleMs + ((h[1] as number) % 150)

  if (request.requestId === 'confirm') {
    const answer = { ok: (h[2] as number) % 5 !== 0, by: 'person' }
    const deadline = request.expiresAt?.getTime() ?? t0
    switch ((h[3] as number) % 6) {
      case 0:
        return { pattern: 'none', deliveries: [] }
      case 1:
        return {
          pattern: 'at-deadline',
          deliveries: [{ deliverer: owner, at: deadline, answer }],
        }
      case 2:
        return {
          pattern: 'after-deadline',
          deliveries: [{ deliverer: owner, at: deadline + 300, answer }],
        }
      default:
        return answered(h, owner, other, t0, answer, { ok: false, by: 'someone else' })
    }
  }
  const revise = request.visit < maxReviewRounds && (h[2] as number) % 3 === 0
  const answer = {
    decision: revise ? 'revise' : 'approve',
    note: `round ${request.visit} ${(h[3] as number) % 1000}`,
  }
  return answered(h, owner, other, t0, answer, { ...answer, note: `${answer.note} (other)` })
}

function answered(
  h: readonly number[],
  owner: number,
  other: number,
  t0: number,
  answer: JsonValue,
  conflicting: JsonValue,
): DeliveryPlan {
  const roll = (h[4] as number) % 10
  if (roll < 3) return { pattern: 'single', deliveries: [{ deliverer: owner, at: t0, answer }] }
  if (roll < 5) {
    return {
      pattern: 'duplicate',
      deliveries: [
        { deliverer: owner, at: t0, answer },
        { deliverer: owner, at: t0, answer },
      ],
    }
  }
  if (roll < 8) {
    return {
      pattern: 'simultaneous',
      deliveries: [
        { deliverer: owner, at: t0, answer },
        { deliverer: other, at: t0, answer },
      ],
    }
  }
  if (roll < 9) {
    return {
      pattern: 'conflicting',
      deliveries: [
        { deliverer: owner, at: t0, answer },
        { deliverer: other, at: t0, answer: conflicting },
      ],
    }
  }
  return {
    pattern: 'late-duplicate',
    deliveries: [
      { deliverer: owner, at: t0, answer },
      { deliverer: other, at: t0 + 700, answer },
    ],
  }
}

/** Eight unsigned 32-bit numbers from a SHA-256 of `text`. */
function hashes(text: string): number[] {
  const digest = createHash('sha256').update(text).digest()
  return Array.from({ length: 8 }, (_, i) => digest.readUInt32BE(i * 4))
}
