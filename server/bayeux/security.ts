// Authorization: the security policy plus authorizers, combined by CometD's 5-step rule
// (bayeux-notes §2.6, §9.3.6.2), with CometD's deny reasons.

import { expandChannel } from '../../shared/bayeux/channel.ts'
import { deniedByNotGranting, deniedBySecurityPolicy } from '../../shared/bayeux/error.ts'
import { addEntry } from './registry.ts'
import type { BayeuxMessage } from '../../shared/bayeux/message.ts'
import { logException } from '../log.ts'
import type {
  Authorizer,
  AuthorizerOperation,
  AuthorizerResult,
  SecurityPolicy,
  ServerSession,
} from './types.ts'

/** Grants the operation. */
export const grant: AuthorizerResult = Object.freeze({ kind: 'grant' })
/** Neither grants nor denies. */
export const ignore: AuthorizerResult = Object.freeze({ kind: 'ignore' })
/** Denies the operation; `reason` goes into the error string (`403:<reason>:subscribe_denied`). */
export function deny(reason: string): AuthorizerResult {
  return { kind: 'deny', reason }
}

const policyMethods = {
  create: 'canCreate',
  subscribe: 'canSubscribe',
  publish: 'canPublish',
} as const

/** The policy plus the authorizers bound to channels and patterns. */
export class Security {
  policy: SecurityPolicy = {}
  readonly #authorizers = new Map<string, Authorizer[]>()

  /** Binds `authorizer` to a channel or pattern; returns a remover. */
  add(channel: string, authorizer: Authorizer): () => void {
    return addEntry(this.#authorizers, channel, authorizer)
  }

  /** Whether any authorizer is bound exactly to `channel` (keeps the channel "existing"). */
  hasAuthorizers(channel: string): boolean {
    return this.#authorizers.has(channel)
  }

  /**
   * The 5 steps: 1. the policy denies → denied; 2. no authorizers → granted; 3. none grants →
   * denied (`denied_by_not_granting`); 4. some grant and none denies → granted; 5. a deny stops
   * the walk → denied with its reason.
   */
  async authorize(
    operation: AuthorizerOperation,
    channel: string,
    session: ServerSession,
    message: BayeuxMessage,
  ): Promise<AuthorizerResult> {
    const check = this.policy[policyMethods[operation]]
    if (check && !(await check.call(this.policy, session, channel, message))) {
      return deny(deniedBySecurityPolicy)
    }
    return this.#consultAuthorizers(operation, channel, session, message)
  }

  #consultAuthorizers(
    operation: AuthorizerOperation,
    channel: string,
    session: ServerSession,
    message: BayeuxMessage,
  ): AuthorizerResult {
    let called = false
    let result: AuthorizerResult = ignore
    for (const name of new Set([...expandChannel(channel), channel])) {
      for (const authorizer of this.#authorizers.get(name) ?? []) {
        called = true
        const answer = callAuthorizer(authorizer, operation, channel, session, message)
        if (answer.kind === 'deny') return answer
        if (answer.kind === 'grant') result = answer
      }
    }
    if (!called) return grant
    return result.kind === 'grant' ? result : deny(deniedByNotGranting)
  }
}

// An authorizer that throws denies: failing closed is the only safe reading.
function callAuthorizer(
  authorizer: Authorizer,
  operation: AuthorizerOperation,
  channel: string,
  session: ServerSession,
  message: BayeuxMessage,
): AuthorizerResult {
  try {
    return authorizer(operation, channel, session, message)
  } catch (err) {
    logException('bayeux authorizer threw', err, { operation, channel })
    return deny('authorizer_failed')
  }
}
