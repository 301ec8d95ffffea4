import type { CorsOptions } from '../app-options.js'
import { InvalidOptionError } from '../invalid-option-error.js'

/** The `cors` option, checked: whom to answer with CORS headers, and with which. */
export interface CorsPolicy {
  /** The `Access-Control-Allow-Origin` for a request from `origin`, or undefined when not allowed. */
  allowOrigin(origin: string): string | undefined
  credentials: boolean
  maxAgeSeconds: number
}

const optionNames = ['origins', 'credentials', 'maxAgeSeconds']
// A day: the longest any browser keeps a preflight (Firefox; Chromium keeps it 2 hours at most).
const maxAgeLimit = 86_400
const originExample = '"https://app.example.com"'

/**
 * Checks the `cors` option of `createApp`, throwing an `InvalidOptionError` that says what to pass
 * for anything it would not apply as written (an origin with a path never matches `Origin`;
 * credentials with `'*'` are refused by browsers).
 *
 * @example
 * ```ts
 * const policy = corsPolicy({ origins: ['https://app.example.com'] })
 * policy.allowOrigin('https://app.example.com') // 'https://app.example.com'
 * policy.allowOrigin('https://evil.example') // undefined
 * ```
 */
export function corsPolicy(options: CorsOptions): CorsPolicy {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionError(
      'cors',
      `an object such as { origins: [${originExample}] }`,
      options,
    )
  }
  for (const name of Object.keys(options)) {
    if (!optionNames.includes(name)) {
      throw new InvalidOptionError(
        'cors',
        `an object of origins, credentials and maxAgeSeconds only (no ${JSON.stringify(name)})`,
        options,
      )
    }
  }
  const { origins, credentials = false, maxAgeSeconds = 600 } = options
  if (typeof credentials !== 'boolean') {
    throw new InvalidOptionError('cors.credentials', 'true or false', credentials)
  }
  if (!Number.isSafeInteger(maxAgeSeconds) || maxAgeSeconds < 0 || maxAgeSeconds > maxAgeLimit) {
    throw new InvalidOptionError(
      'cors.maxAgeSeconds',
      `a whole number of seconds from 0 to ${maxAgeLimit}`,
      maxAgeSeconds,
    )
  }
  const common = { credentials, maxAgeSeconds }
  if (origins === '*') {
    if (credentials) {
      throw new InvalidOptionError(
        'cors.origins',
        `a list of origins when cors.credentials is true (browsers refuse credentials with Access-Control-Allow-Origin: *), such as [${originExample}]`,
        origins,
      )
    }
    return { ...common, allowOrigin: () => '*' }
  }
  if (!Array.isArray(origins) || origins.length === 0) {
    throw new InvalidOptionError(
      'cors.origins',
      `'*' or a non-empty list of origins such as [${originExample}]`,
      origins,
    )
  }
  const allowed = new Set(origins.map((origin, i) => checkedOrigin(origin, `cors.origins[${i}]`)))
  return { ...common, allowOrigin: (origin) => (allowed.has(origin) ? origin : undefined) }
}

/** An origin exactly as browsers serialize it in `Origin`, which is compared as a string. */
function checkedOrigin(origin: unknown, option: string): string {
  const serialized =
    typeof origin === 'string' && URL.canParse(origin) ? new URL(origin).origin : 'null'
  if (serialized === 'null' || serialized !== origin) {
    // The URL's own origin, when it has one, is what the caller most likely meant.
    const example = serialized === 'null' ? originExample : JSON.stringify(serialized)
    throw new InvalidOptionError(
      option,
      `an origin as browsers send it (scheme, host, and port if not the default; no path or trailing slash), such as ${example}`,
      origin,
    )
  }
  return serialized
}
