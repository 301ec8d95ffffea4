/**
 * Codes the server itself answers with, besides the engine's error codes.
 *
 * @example
 * ```ts
 * const code: ServerErrorCode = 'TOKEN_EXPIRED'
 * ```
 */
export type ServerErrorCode =
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'INVALID_TOKEN'
  | 'TOKEN_EXPIRED'
  | 'INVALID_REQUEST'
  | 'MALFORMED_JSON'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'NOT_ACCEPTABLE'
  | 'SHUTTING_DOWN'
  | 'INTERNAL'

/**
 * The JSON body of every error response.
 *
 * @example
 * ```ts
 * const { error } = (await response.json()) as ErrorBody
 * if (error.code === 'ALREADY_ANSWERED') showAlreadyAnswered()
 * ```
 */
export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> }
}

/**
 * An error the server answers with as it is: status, code, message, optional details and
 * headers. Thrown anywhere in a handler; the app's error handler turns it into the response.
 *
 * @example
 * ```ts
 * throw new HttpError(403, 'FORBIDDEN', 'This key may not answer requests.')
 * ```
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ServerErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message)
    this.name = 'HttpError'
  }

  /** The response body. */
  body(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details ? { details: this.details } : {}),
      },
    }
  }
}
