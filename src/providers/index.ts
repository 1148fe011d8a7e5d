import type { ProviderAdapter, ProviderName } from './types';
import { sendTwilio } from './twilio/send';
import { findTwilioSent } from './twilio/lookup';
import * as twilioWebhook from './twilio/webhook';
import { mapStatus as mapTwilioStatus } from './twilio/status';
import { sendTelnyx } from './telnyx/send';
import * as telnyxWebhook from './telnyx/webhook';
import { mapStatus as mapTelnyxStatus } from './telnyx/status';
import { sendVonage } from './vonage/send';
import * as vonageWebhook from './vonage/webhook';
import { mapStatus as mapVonageStatus } from './vonage/status';

/** The registry: one line per provider. */
export const providers: { [P in ProviderName]: ProviderAdapter<P> } = {
  TWILIO: { name: 'TWILIO', send: sendTwilio, findSent: findTwilioSent, ...twilioWebhook, mapStatus: mapTwilioStatus },
  TELNYX: { name: 'TELNYX', send: sendTelnyx, ...telnyxWebhook, mapStatus: mapTelnyxStatus },
  VONAGE: { name: 'VONAGE', send: sendVonage, ...vonageWebhook, mapStatus: mapVonageStatus },
};

/** Where each provider posts delivery statuses for the messages we send (passed per message to each). */
export const STATUS_CALLBACK_PATH: Record<ProviderName, string> = {
  TWILIO: '/webhooks/twilio/status',
  TELNYX: '/webhooks/telnyx',
  VONAGE: '/webhooks/vonage/status',
};
