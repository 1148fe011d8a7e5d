/** Twilio: form-encoded webhooks signed with X-Twilio-Signature, answered with empty TwiML. */
import type { ProviderDescriptor } from '../types.js';
import { twilioRegistration } from './registration.js';
import type { TwilioCredentials } from './credentials.js';
import { sendTwilio } from './send.js';
import { findTwilioSent } from './lookup.js';
import { twilioOwns } from './ownership.js';
import { normalizeWebhook, ourNumber, verifyWebhook } from './webhook.js';
import { isOptOutRefusal, mapStatus } from './status.js';

export const twilio: ProviderDescriptor<TwilioCredentials> = {
  name: 'TWILIO',
  displayName: 'Twilio',
  credentials: {
    inputField: 'twilioConfig',
    inputType: 'TwilioConfigInput',
    fields: {
      accountSid: { required: true },
      authToken: { required: true, secret: true },
      messagingServiceSid: { required: false },
    },
    unverifiable: { accountSid: '', authToken: '\u0000unverifiable' },
  },
  limits: {},
  webhooks: [
    { path: '/webhooks/twilio/messages', kind: 'inbound' },
    { path: '/webhooks/twilio/status', kind: 'status' },
  ],
  statusCallbackPath: '/webhooks/twilio/status',
  // Twilio reads the answer to an inbound message as TwiML: an empty Response sends no reply.
  webhookReply: { contentType: 'text/xml', body: '<?xml version="1.0" encoding="UTF-8"?><Response/>' },
  send: sendTwilio,
  findSent: findTwilioSent,
  ownsNumber: twilioOwns,
  isOptOutRefusal,
  ourNumber,
  verifyWebhook,
  normalizeWebhook,
  mapStatus,
  registration: twilioRegistration,
};
