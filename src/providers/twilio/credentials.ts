/** What an assistant gives for Twilio (its `twilioConfig` input), sealed in a ProviderCredential row. */
export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
  messagingServiceSid?: string | null;
}
