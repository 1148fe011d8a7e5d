/**
 * Does this provider account own this number? Asked through the provider's descriptor
 * (ownsNumber, with its official SDK) with the assistant's credentials when a number is added
 * (VERIFY_NUMBER_OWNERSHIP), so that an organization cannot register, and so intercept or
 * send from, a number it does not hold.
 */
import type { OwnershipOptions, ProviderDescriptor } from './types.js';

export type { OwnershipOptions };

export type OwnershipAnswer =
  | { owned: boolean }
  /** The provider could not answer: it refused the credentials, or was unreachable or failing. */
  | { owned: null; reason: 'credentials-refused' | 'unavailable' };

export async function accountOwnsNumber<C>(
  provider: ProviderDescriptor<C>,
  credentials: C,
  phoneNumber: string,
  options: OwnershipOptions = {},
): Promise<OwnershipAnswer> {
  try {
    return { owned: await provider.ownsNumber(credentials, phoneNumber, options) };
  } catch (error) {
    return { owned: null, reason: credentialsRefused(error) ? 'credentials-refused' : 'unavailable' };
  }
}

/** 401/403 from any of the SDKs: the account's credentials were refused. */
function credentialsRefused(error: unknown): boolean {
  const e = error as { status?: unknown; response?: { status?: unknown } } | null;
  const status = typeof e?.status === 'number' ? e.status : typeof e?.response?.status === 'number' ? e.response.status : undefined;
  return status === 401 || status === 403;
}
