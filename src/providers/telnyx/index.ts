/** Telnyx: one JSON webhook route for inbound messages and statuses, signed with Ed25519. */
import type { ProviderDescriptor } from '../types.js';
import { telnyxRegistration } from './registration.js';
import type { TelnyxCredentials } from './credentials.js';
import { JSON_RECEIVED } from '../webhook-helpers.js';
import { sendTelnyx } from './send.js';
import { telnyxOwns } from './ownership.js';
import { normalizeWebhook, ourNumber, verifyWebhook } from './webhook.js';
import { isOptOutRefusal, mapStatus } from './status.js';

export const telnyx: ProviderDescriptor<TelnyxCredentials> = {
  name: 'TELNYX',
  displayName: 'Telnyx',
  credentials: {
    inputField: 'telnyxConfig',
    inputType: 'TelnyxConfigInput',
    fields: {
      apiKey: { required: true, secret: true },
      publicKey: {
        required: true,
        description: 'The Telnyx webhook public key (base64 Ed25519), used to verify webhooks.',
        check: (value) => (Buffer.from(value, 'base64').length === 32 ? null : 'must be the base64 Ed25519 public key from the Telnyx portal'),
      },
      messagingProfileId: { required: false },
    },
    unverifiable: { apiKey: '', publicKey: '' },
  },
  limits: {},
  webhooks: [{ path: '/webhooks/telnyx', kind: 'inbound' }],
  statusCallbackPath: '/webhooks/telnyx',
  webhookReply: JSON_RECEIVED,
  send: sendTelnyx,
  ownsNumber: telnyxOwns,
  isOptOutRefusal,
  ourNumber,
  verifyWebhook,
  normalizeWebhook,
  mapStatus,
  registration: telnyxRegistration,
};
