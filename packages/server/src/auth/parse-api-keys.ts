import { scopes, type ApiKey, type Scope } from './api-keys.js'

/**
 * Parses API keys written as `name:scope+scope:key`, separated by commas, spaces or new lines,
 * as `holdpoint serve` reads them from `HOLDPOINT_API_KEYS`. The key is everything after the
 * second colon. Throws a `TypeError` naming the malformed entry (by position, never its key).
 *
 * @example
 * ```ts
 * parseApiKeys('backend:admin:9f2c…e1,inbox:read+answer:77ab…03')
 * // [{ name: 'backend', scopes: ['admin'], key: '9f2c…e1' }, { name: 'inbox', scopes: ['read', 'answer'], key: '77ab…03' }]
 * ```
 */
export function parseApiKeys(text: string): ApiKey[] {
  return text
    .split(/[\s,]+/)
    .filter((entry) => entry !== '')
    .map((entry, i) => {
      const first = entry.indexOf(':')
      const second = first < 0 ? -1 : entry.indexOf(':', first + 1)
      if (first <= 0 || second < 0 || second === entry.length - 1) {
        throw new TypeError(`API key entry ${i + 1} is not name:scope+scope:key.`)
      }
      const granted = entry.slice(first + 1, second).split('+')
      for (const scope of granted) {
        if (!scopes.includes(scope as Scope)) {
          throw new TypeError(
            `API key entry ${i + 1} has an unknown scope "${scope}"; use ${scopes.join(', ')}.`,
          )
        }
      }
      return {
        name: entry.slice(0, first),
        scopes: granted as Scope[],
        key: entry.slice(second + 1),
      }
    })
}
