import type { Db, Organization, PhoneNumber } from '../db/client';
import { ExpiringCache } from '../lib/expiring-cache';
import { numbersForWebhook, WITH_ASSISTANT } from './phone-numbers';
import type { AssistantWithCredentials } from './credentials';

/** A number with its assistant and the assistant's credentials (credentialFor picks the number's provider's). */
export type SenderWithAssistant = PhoneNumber & { assistant: AssistantWithCredentials | null };

/** The organization's switches that the send path's compliance rules read (src/compliance/rules.ts). */
export const ORGANIZATION_RULES = { requireOptIn: true, consentReplyWindowMinutes: true, enforceRegistration: true } as const;
export type OrganizationRules = Pick<Organization, keyof typeof ORGANIZATION_RULES>;

/** A sending number with its assistant and its organization's compliance switches. */
export type Sender = SenderWithAssistant & { organization: OrganizationRules };

/**
 * Which of an organization's numbers sends from `from`, with its assistant and credentials and
 * its organization's compliance switches: read on every send,
 * so kept for a moment; likewise which numbers a provider's webhook may be for. Changes made
 * through this instance clear it at once; another instance sees them within TTL_MS (a send
 * accepted in that window by a stale entry still fails visibly at dispatch, which reads the
 * number afresh).
 */
export class SenderDirectory {
  static readonly TTL_MS = 2000;
  readonly #entries = new ExpiringCache<Sender | null>(SenderDirectory.TTL_MS);
  readonly #webhookNumbers = new ExpiringCache<SenderWithAssistant[]>(SenderDirectory.TTL_MS);

  constructor(private readonly db: Db) {}

  async find(organizationId: string, phoneNumber: string): Promise<Sender | null> {
    return this.#entries.load(`${organizationId}|${phoneNumber}`, () =>
      this.db.phoneNumber.findFirst({
        where: { phoneNumber, organizationId },
        include: { ...WITH_ASSISTANT, organization: { select: ORGANIZATION_RULES } },
      }),
    );
  }

  /**
   * Every registration of the number a provider's webhook names, with its assistant, oldest
   * first (numbersForWebhook): the webhook is for the one whose credentials verify it.
   */
  async forWebhook(provider: PhoneNumber['provider'], phoneNumber: string): Promise<SenderWithAssistant[]> {
    return this.#webhookNumbers.load(`${provider}|${phoneNumber}`, () => numbersForWebhook({ db: this.db }, phoneNumber, provider));
  }

  /**
   * After any change to numbers, assistants or organization settings on this instance, once it
   * is written: a read still in flight is not kept (ExpiringCache.load).
   */
  forget() {
    this.#entries.clear();
    this.#webhookNumbers.clear();
  }
}
