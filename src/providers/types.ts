import type { MessageStatus } from '../db/client.js';
import type { RegistrationAdapter } from './registration-types.js';

/**
 * What a provider is to Switchboard: one ProviderDescriptor (at the end of this file) that owns
 * every fact about it. The rest of the code loops over the registry in index.ts.
 */

/** A provider's name in the registry and in the database: TWILIO, TELNYX, VONAGE. */
export type ProviderName = string;

/** Switchboard's own message statuses (the Prisma enum). */
export type { MessageStatus };

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
      /** The provider refused because the recipient opted out (its descriptor's isOptOutRefusal). */
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

export type WebhookKind = 'inbound' | 'status';

/** One URL a provider posts webhooks to; Telnyx posts both kinds to one route, told apart by event type. */
export interface WebhookRoute {
  /** Path under PUBLIC_URL, e.g. /webhooks/twilio/messages. */
  path: string;
  kind: WebhookKind;
}

/** What a verified, stored webhook is answered with (Twilio wants TwiML, the others JSON). */
export interface WebhookReply {
  contentType: string;
  body: string;
}

/** One field of a provider's credentials, as the GraphQL `<provider>Config` input carries it. */
export interface CredentialField {
  required: boolean;
  description?: string;
  /** A further check of a given value: the complaint, or null when it is fine. */
  check?(value: string): string | null;
  /** A secret (all fields are sealed): its value is also scrubbed from a failed send's error text. */
  secret?: boolean;
}

/** A provider's credentials: the input that carries them and each of their fields. */
export interface CredentialSchema<C> {
  /** The field on createAssistant/updateAssistant input, e.g. twilioConfig. */
  inputField: string;
  /** Its GraphQL input type, e.g. TwilioConfigInput. */
  inputType: string;
  fields: { readonly [K in keyof C & string]-?: CredentialField };
  /**
   * Credentials no signature can match: a webhook for a number we do not know is refused
   * exactly as a forged one is (401 without a signature, 403 with one).
   */
  unverifiable: C;
}

/** What the provider carries in one message; a message beyond these is refused at intake. */
export interface SendLimits {
  maxBodyCharacters?: number;
  maxMedia?: number;
}

export interface OwnershipOptions {
  baseUrl?: string;
  timeoutMs?: number;
}

/**
 * Everything about one provider. `C` is the shape of its credentials; the methods take them
 * already opened and checked against `credentials.fields` (see src/assistants/credentials.ts).
 * Methods are declared as methods so that a descriptor of any credentials fits the registry.
 */
export interface ProviderDescriptor<C = unknown> {
  name: ProviderName;
  /** As people write it: Twilio. */
  displayName: string;
  credentials: CredentialSchema<C>;
  limits: SendLimits;
  /** The webhook routes it posts to; the route where it posts delivery statuses is passed with each send. */
  webhooks: readonly WebhookRoute[];
  statusCallbackPath: string;
  webhookReply: WebhookReply;
  send(credentials: C, message: OutboundMessage, options?: SendOptions): Promise<SendResult>;
  /**
   * The provider's messages matching `query`, oldest first, for providers whose API can list
   * sent messages right away (Twilio); absent where it cannot. Throws when the provider could
   * not be asked. Used to settle messages whose instance died during the send (src/queue/reconcile.ts).
   */
  findSent?(credentials: C, query: SentQuery, options?: SendOptions): Promise<FoundMessage[]>;
  /** Whether the account owns the number (src/assistants/phone-numbers.ts); throws when it could not be asked. */
  ownsNumber(credentials: C, phoneNumber: string, options: OwnershipOptions): Promise<boolean>;
  /** Whether a refusal (from a send or a status callback) means the recipient opted out. */
  isOptOutRefusal(errorCode: string | null | undefined, errorMessage?: string | null): boolean;
  /** Which of our numbers a webhook concerns (before it is trusted), so its assistant's credentials can be found. */
  ourNumber(request: WebhookRequest, kind: WebhookKind): string | null;
  /** Checks the signature. Must not trust anything in the body before this passes. */
  verifyWebhook(credentials: C, request: WebhookRequest, now?: Date): VerifyResult;
  /** Parses a verified webhook into zero or more events (Telnyx message.sent etc.). */
  normalizeWebhook(request: WebhookRequest, kind: WebhookKind): NormalizedEvent[];
  mapStatus(providerStatus: string): MessageStatus | null;
  /** Carrier sender registration (10DLC, toll-free verification) through this provider, where it has one. */
  registration?: RegistrationAdapter<C>;
}
