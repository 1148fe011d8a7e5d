/** API error codes. Message delivery errors are the provider's own codes, not these. */
export const ERROR_CODES = [
  'INVALID_PHONE_NUMBER',
  'MESSAGE_TOO_LONG',
  'EMPTY_MESSAGE',
  'INVALID_MEDIA',
  'NUMBER_NOT_FOUND',
  'NUMBER_TAKEN',
  'NO_ASSISTANT',
  'PROVIDER_NOT_CONFIGURED',
  'RECIPIENT_OPTED_OUT',
  'RATE_LIMITED',
  'PROVIDER_ERROR',
  'NOT_FOUND',
  'INVALID_STATE',
  'INVALID_INPUT',
  'CONVERSATION_TAKEN_OVER',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * An expected failure the caller can act on. GraphQL mutations return it as a typed member of
 * their result union; REST answers it with a status code. Anything else is a bug and stays masked.
 */
export class SwitchboardError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The input field at fault, when there is one ("toPhoneNumber", "mediaUrls.2"). */
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = 'SwitchboardError';
  }
}

export const notFound = (what: string) => new SwitchboardError('NOT_FOUND', `${what} not found`);
