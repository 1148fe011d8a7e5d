import { decodeGlobalID } from '@pothos/plugin-relay';
import { notFound } from '../errors';

/**
 * Decodes a Relay global ID of the expected type. A malformed ID, or one of another type,
 * is treated like an ID that does not exist: NOT_FOUND, never a hint about other objects.
 */
export function decodeId(typename: string, globalId: string): string {
  try {
    const { typename: actual, id } = decodeGlobalID(globalId);
    if (actual === typename && id) return id;
  } catch {
    // fall through
  }
  throw notFound(typename === 'PhoneNumber' ? 'Phone number' : typename);
}

/** For queries: an ID that does not decode finds nothing (null), rather than failing the request. */
export function idOrNone(typename: string, globalId: string): string {
  try {
    return decodeId(typename, globalId);
  } catch {
    return '';
  }
}
