import type { IncomingMessage, ServerResponse } from 'node:http';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Services } from '../services';
import type { ErrorCode } from '../errors';
import { SwitchboardError } from '../errors';
import { authenticate, senderOf } from '../tenancy/api-keys';
import { grants } from '../tenancy/scopes';
import { sendMessage } from '../messaging/send';
import type { MessageCategory } from '../compliance/rules';
import { BodyTooLarge, failure, readBody, sendJson } from './io';
import { rateLimitedMessage } from '../security/rate-limit';

/** HTTP status for each error a send can answer. */
const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  NUMBER_NOT_FOUND: 404,
  NO_ASSISTANT: 404,
  NOT_FOUND: 404,
  RECIPIENT_OPTED_OUT: 409,
  CONVERSATION_TAKEN_OVER: 409,
  CONSENT_REQUIRED: 409,
  QUIET_HOURS: 409,
  FREQUENCY_CAP: 409,
  PROVIDER_NOT_CONFIGURED: 422,
  SENDER_NOT_REGISTERED: 422,
  RATE_LIMITED: 429,
};

/**
 * POST /sms/send — the REST route of the API Switchboard replaces, for teams moving over.
 * Same domain function as the sendSms/sendMms mutations.
 */
export async function restSend(services: Services, req: IncomingMessage, res: ServerResponse) {
  const caller = await authenticate(services, req.headers.authorization);
  if (caller?.kind !== 'organization') {
    return sendJson(res, 401, failure('UNAUTHENTICATED', 'A valid API key is required: Authorization: Bearer <key>'));
  }
  if (!grants(caller.scopes, 'AGENT')) {
    return sendJson(res, 403, failure('FORBIDDEN', `This API key's scopes (${caller.scopes.join(', ')}) do not allow sending`));
  }
  const budget = await services.rateLimiter.take(caller.apiKeyId);
  if (!budget.allowed) {
    return sendJson(res, 429, failure('RATE_LIMITED', rateLimitedMessage(budget)), {
      'retry-after': String(budget.retryAfterSeconds),
    });
  }
  let body: Record<string, unknown>;
  try {
    const parsed = JSON.parse(await readBody(req, 64 * 1024));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SyntaxError('not an object');
    body = parsed;
  } catch (error) {
    const tooLarge = error instanceof BodyTooLarge;
    return sendJson(res, tooLarge ? 413 : 400, failure('INVALID_INPUT', tooLarge ? 'Body too large' : 'The body must be a JSON object'));
  }
  const stringField = (name: string, required: boolean) => {
    const value = body[name];
    if (value === undefined || value === null) {
      if (required) throw new SwitchboardError('INVALID_INPUT', `${name} is required`, name);
      return undefined;
    }
    if (typeof value !== 'string') throw new SwitchboardError('INVALID_INPUT', `${name} must be a string`, name);
    return value;
  };
  try {
    const mediaUrls = body.media_urls;
    if (mediaUrls !== undefined && mediaUrls !== null && !(Array.isArray(mediaUrls) && mediaUrls.every((u) => typeof u === 'string'))) {
      throw new SwitchboardError('INVALID_MEDIA', 'media_urls must be an array of https URLs', 'media_urls');
    }
    const isMms = Array.isArray(mediaUrls) && mediaUrls.length > 0;
    const outsideQuietHours = stringField('outside_quiet_hours', false)?.toUpperCase();
    if (outsideQuietHours !== undefined && outsideQuietHours !== 'REFUSE' && outsideQuietHours !== 'SCHEDULE') {
      throw new SwitchboardError('INVALID_INPUT', 'outside_quiet_hours must be "refuse" or "schedule"', 'outside_quiet_hours');
    }
    const message = await sendMessage(services, caller.organizationId, {
      fromPhoneNumber: stringField('from_phone_number', true)!,
      toPhoneNumber: stringField('to_phone_number', true)!,
      message: stringField('message', false),
      mediaUrls: isMms ? (mediaUrls as string[]) : undefined,
      idempotencyKey: stringField('idempotency_key', false),
      category: stringField('category', false)?.toUpperCase() as MessageCategory | undefined,
      outsideQuietHours,
      force: body.force === true,
    }, senderOf(caller));
    return sendJson(res, 200, {
      success: true,
      message_id: encodeGlobalID('Message', message.id),
      message: `${isMms ? 'MMS' : 'SMS'} to ${message.to} accepted and ${message.status === 'QUEUED' ? 'queued for sending' : message.status.toLowerCase()}`,
      provider: message.provider.toLowerCase(),
      status: message.status.toLowerCase(),
    });
  } catch (error) {
    if (error instanceof SwitchboardError) {
      const body = failure(error.code, error.message);
      return sendJson(res, HTTP_STATUS[error.code] ?? 400, error.nextAllowedAt ? { ...body, next_allowed_at: error.nextAllowedAt.toISOString() } : body);
    }
    throw error;
  }
}
