/** What an assistant gives for Vonage (its `vonageConfig` input), sealed in a ProviderCredential row. */
export interface VonageCredentials {
  apiKey: string;
  apiSecret: string;
  applicationId?: string | null;
  privateKey?: string | null;
  /** Signs the JWT on Vonage's webhooks (HS256). */
  signatureSecret: string;
}
