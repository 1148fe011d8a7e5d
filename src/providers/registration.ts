/** Sender registration per provider: one line each (see registration-types.ts). */
import type { ProviderName } from './types.js';
import type { RegistrationAdapter } from './registration-types.js';
import { twilioRegistration } from './twilio/registration.js';
import { telnyxRegistration } from './telnyx/registration.js';
import { vonageRegistration } from './vonage/registration.js';

export const registrationProviders: { [P in ProviderName]: RegistrationAdapter<P> } = {
  TWILIO: twilioRegistration,
  TELNYX: telnyxRegistration,
  VONAGE: vonageRegistration,
};
