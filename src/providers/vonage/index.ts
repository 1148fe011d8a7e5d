/** Vonage Messages API: JSON webhooks with an HS256 JWT bearer token; one media item per MMS. */
import type { ProviderDescriptor } from '../types.js';
import { vonageRegistration } from './registration.js';
import type { VonageCredentials } from './credentials.js';
import { JSON_RECEIVED } from '../webhook-helpers.js';
import { sendVonage, VONAGE_LIMITS } from './send.js';
import { vonageOwns } from './ownership.js';
import { normalizeWebhook, ourNumber, verifyWebhook } from './webhook.js';
import { isOptOutRefusal, mapStatus } from './status.js';

export const vonage: ProviderDescriptor<VonageCredentials> = {
  name: 'VONAGE',
  displayName: 'Vonage',
  credentials: {
    inputField: 'vonageConfig',
    inputType: 'VonageConfigInput',
    fields: {
      apiKey: { required: true },
      apiSecret: { required: true, secret: true },
      applicationId: { required: false },
      privateKey: { required: false, secret: true },
      signatureSecret: { required: true, secret: true, description: "Verifies Vonage's signed webhooks (HS256 JWT)." },
    },
    unverifiable: { apiKey: '', apiSecret: '', signatureSecret: '\u0000unverifiable' },
  },
  limits: VONAGE_LIMITS,
  webhooks: [
    { path: '/webhooks/vonage/inbound', kind: 'inbound' },
    { path: '/webhooks/vonage/status', kind: 'status' },
  ],
  statusCallbackPath: '/webhooks/vonage/status',
  webhookReply: JSON_RECEIVED,
  send: sendVonage,
  ownsNumber: vonageOwns,
  isOptOutRefusal,
  ourNumber,
  verifyWebhook,
  normalizeWebhook,
  mapStatus,
  registration: vonageRegistration,
};
