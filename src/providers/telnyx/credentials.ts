/** What an assistant gives for Telnyx (its `telnyxConfig` input), sealed in a ProviderCredential row. */
export interface TelnyxCredentials {
  apiKey: string;
  /** Telnyx webhook public key: raw 32-byte Ed25519 key, base64. */
  publicKey: string;
  messagingProfileId?: string | null;
}
