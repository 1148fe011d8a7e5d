/**
 * The one interface every provider folder implements. A provider is: send, verify a
 * webhook, normalize an inbound event or a delivery status, map a status.
 * Adding a provider means a folder beside twilio/, telnyx/, vonage/ and one line in index.ts.
 */
export type ProviderName = 'TWILIO' | 'TELNYX' | 'VONAGE';

/** Switchboard's own message statuses. */
export type MessageStatus =
  | 'SCHEDULED'
  | 'QUEUED'
  | 'SENDING'
  | 'SENT'
  | 'DELIVERED'
  | 'UNDELIVERED'
  | 'FAILED'
  | 'CANCELED'
  | 'RECEIVED';

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
  messagingServiceSid?: string | null;
}
export interface TelnyxCredentials {
  apiKey: string;
  /** Telnyx webhook public key: raw 32-byte Ed25519 key, base64. */
  publicKey: string;
  messagingProfileId?: string | null;
}
export interface VonageCredentials {
  apiKey: string;
  apiSecret: string;
  applicationId?: string | null;
  privateKey?: string | null;
  /** Signs the JWT on Vonage's webhooks (HS256). */
  signatureSecret: string;
}
export interface CredentialsByProvider {
  TWILIO: TwilioCredentials;
  TELNYX: TelnyxCredentials;
  VONAGE: VonageCredentials;
}

export interface OutboundMessage {
  from: string; // E.164
  to: string; // E.164
  body: string; // may be '' for MMS
  mediaUrls: string[]; // https URLs; non-empty means MMS
  /** Absolute URL the provider should POST delivery statuses to (Twilio/Telnyx per message). */
  statusCallbackUrl: string;
}

export type SendResult =
  | { ok: true; providerMessageId: string; providerStatus: string }
  | {
      ok: false;
      /** 429, 5xx and network failures: try again later. Anything else is final. */
      retryable: boolean;
      /** The provider's own code as a string (Twilio "21211", Telnyx "40310", Vonage the RFC 7807 type tail), or "NETWORK"/"HTTP_<status>". */
      errorCode: string;
      errorMessage: string;
      /** From Retry-After where the provider gave one. */
      retryAfterMs?: number;
      /** The provider refused because the recipient opted out (Twilio 21610, Telnyx 40300, Vonage rejected-for-STOP). */
      recipientOptedOut?: boolean;
    };

export interface SendOptions {
  /** Overrides the provider's API host (TWILIO_API_BASE_URL …); Telnyx's includes /v2. */
  baseUrl?: string;
  /** Per-request timeout in ms. */
  timeoutMs?: number;
}

/** A webhook request as it arrived: raw body kept byte-exact for signature checks. */
export interface WebhookRequest {
  /** Full public URL the provider posted to (PUBLIC_URL + path + query). */
  url: string;
  headers: Record<string, string | undefined>; // lower-case names
  rawBody: string;
}

export interface InboundMedia {
  url: string;
  contentType?: string | null;
}

export type NormalizedEvent =
  | {
      kind: 'inbound';
      provider: ProviderName;
      providerMessageId: string;
      from: string; // customer, E.164
      to: string; // our number, E.164
      body: string;
      media: InboundMedia[];
      raw: unknown;
    }
  | {
      kind: 'status';
      provider: ProviderName;
      providerMessageId: string;
      /** The provider's own word, e.g. "delivered". */
      providerStatus: string;
      /** Mapped onto our statuses; null when the provider's word maps to nothing we track. */
      status: MessageStatus | null;
      errorCode?: string | null;
      errorMessage?: string | null;
      /** Our number (the sender of the outbound message), E.164, when the payload names it. */
      ourNumber?: string | null;
      raw: unknown;
    };

export type VerifyResult = { ok: true } | { ok: false; httpStatus: 401 | 403; reason: string };

/** What is known of a message handed to a provider whose answer was lost (see findSent). */
export interface SentQuery {
  from: string; // E.164
  to: string; // E.164
  body: string;
  /** The provider took it no earlier than this and no later than `until`, by our clock. */
  since: Date;
  until: Date;
}

/** A message the provider holds that matches a SentQuery. */
export interface FoundMessage {
  providerMessageId: string;
  providerStatus: string;
  createdAt: Date;
  errorCode?: string | null;
  /** The provider's record as it answered it, for the timeline. */
  raw: unknown;
}

export interface ProviderAdapter<P extends ProviderName = ProviderName> {
  name: P;
  send(credentials: CredentialsByProvider[P], message: OutboundMessage, options?: SendOptions): Promise<SendResult>;
  /**
   * The provider's messages matching `query`, oldest first, for providers whose API can list
   * sent messages right away (Twilio); absent where it cannot. Throws when the provider could
   * not be asked.
   */
  findSent?(credentials: CredentialsByProvider[P], query: SentQuery, options?: SendOptions): Promise<FoundMessage[]>;
  /** Which of our numbers a webhook concerns (before it is trusted), so its assistant's credentials can be found. */
  ourNumber(request: WebhookRequest, route: 'inbound' | 'status'): string | null;
  /** Checks the signature. Must not trust anything in the body before this passes. */
  verifyWebhook(credentials: CredentialsByProvider[P], request: WebhookRequest, now?: Date): VerifyResult;
  /** Parses a verified webhook into zero or more events (Telnyx message.sent etc.). */
  normalizeWebhook(request: WebhookRequest, route: 'inbound' | 'status'): NormalizedEvent[];
  mapStatus(providerStatus: string): MessageStatus | null;
}
