import type { Services } from '../services';
import { notFound, SwitchboardError } from '../errors';
import { parseE164 } from '../messaging/phone-number';
import type { ProviderName } from '../providers/types';
import { accountOwnsNumber } from '../providers/ownership';
import { findAssistant } from './assistants';
import { credentialFor, openCredential, type AssistantWithCredentials } from './credentials';
import { providerNamed } from '../providers';
import { isUniqueViolation } from '../db/errors';

/** An assistant's credential rows, read with it. */
export const WITH_CREDENTIALS = { credentials: { select: { provider: true, sealed: true } } } as const;
/** A number's assistant with its credential rows, read with the number in one operation. */
export const WITH_ASSISTANT = { assistant: { include: WITH_CREDENTIALS } } as const;

export interface AddPhoneNumberInput {
  phoneNumber: string;
  provider: ProviderName;
  assistantId?: string | null;
  messagesPerSecond?: number | null;
}

/**
 * Registers a number in the organization. With VERIFY_NUMBER_OWNERSHIP (the default) the
 * provider is asked first, with the credentials of the assistant it is assigned to (or, with no
 * assistant, of any of the organization's assistants configured for that provider), whether
 * the account owns it; then several organizations may hold the same number, each having
 * proved it. Without the check a number stays in one organization. Errors never say whether
 * another organization holds a number: NUMBER_TAKEN means this organization already has it.
 */
export async function addPhoneNumber(services: Services, organizationId: string, input: AddPhoneNumberInput) {
  const phoneNumber = parseE164(input.phoneNumber);
  if (!phoneNumber) throw invalidNumber('phoneNumber', input.phoneNumber);
  const assistant = input.assistantId ? await findAssistant(services, organizationId, input.assistantId) : null;
  const provider = providerNamed(input.provider);
  const messagesPerSecond = checkRate(input.messagesPerSecond);
  const { db, config } = services;
  if (await db.phoneNumber.findFirst({ where: { organizationId, phoneNumber }, select: { id: true } })) throw numberTaken(phoneNumber);
  if (config.verifyNumberOwnership) {
    const candidates = await db.assistant.findMany({
      where: { organizationId, ...(assistant && { id: assistant.id }) },
      include: WITH_CREDENTIALS,
      orderBy: { createdAt: 'asc' },
    });
    await proveOwnership(services, candidates, provider.name, phoneNumber, assistant !== null);
  } else if (await db.phoneNumber.findFirst({ where: { phoneNumber, organizationId: { not: organizationId } }, select: { id: true } })) {
    // Unproven, a number stays in one organization. The answer names no one; it can only be
    // had with the provider's word (VERIFY_NUMBER_OWNERSHIP).
    throw new SwitchboardError(
      'INVALID_INPUT',
      `${phoneNumber} cannot be added without checking with the provider that your account owns it (VERIFY_NUMBER_OWNERSHIP is off)`,
      'phoneNumber',
    );
  }
  try {
    const created = await db.phoneNumber.create({
      data: {
        organizationId,
        phoneNumber,
        provider: provider.name,
        assistantId: assistant?.id ?? null,
        messagesPerSecond,
        ownershipVerifiedAt: config.verifyNumberOwnership ? new Date() : null,
      },
    });
    services.senders.forget();
    return created;
  } catch (error) {
    // Only (organizationId, phoneNumber) is unique: a race within this organization.
    if (isUniqueViolation(error)) throw numberTaken(phoneNumber);
    throw error;
  }
}

/**
 * Asks the provider, with each candidate assistant's credentials for it, until one account owns
 * the number. Throws PROVIDER_NOT_CONFIGURED when no candidate has credentials, NUMBER_NOT_FOUND
 * when none owns it, PROVIDER_ERROR when the provider could not answer.
 */
async function proveOwnership(services: Services, candidates: AssistantWithCredentials[], provider: ProviderName, phoneNumber: string, named: boolean) {
  const stored = candidates.flatMap((a) => credentialFor(a, provider) ?? []);
  if (stored.length === 0) {
    throw new SwitchboardError(
      'PROVIDER_NOT_CONFIGURED',
      named
        ? `The assistant has no ${provider} credentials: they are needed to check with ${provider} that your account owns ${phoneNumber}`
        : `No assistant has ${provider} credentials: they are needed to check with ${provider} that your account owns ${phoneNumber}`,
      named ? 'assistantId' : 'provider',
    );
  }
  let unanswered: 'credentials-refused' | 'unavailable' | null = null;
  // A few accounts at most: an organization rarely has many for one provider.
  const descriptor = providerNamed(provider);
  for (const credential of stored.slice(0, 5)) {
    const answer = await accountOwnsNumber(descriptor, openCredential(services.secrets, descriptor, credential), phoneNumber, {
      baseUrl: services.config.providerBaseUrls[provider],
      timeoutMs: services.config.queue.providerTimeoutMs,
    });
    if (answer.owned) return;
    if (answer.owned === null) unanswered ??= answer.reason;
  }
  if (unanswered === 'credentials-refused') {
    throw new SwitchboardError('PROVIDER_ERROR', `${provider} refused the assistant's credentials while checking that your account owns ${phoneNumber}`, 'phoneNumber');
  }
  if (unanswered === 'unavailable') {
    throw new SwitchboardError('PROVIDER_ERROR', `${provider} could not be asked whether your account owns ${phoneNumber}; try again`, 'phoneNumber');
  }
  throw new SwitchboardError('NUMBER_NOT_FOUND', `${phoneNumber} is not a number of your ${provider} account`, 'phoneNumber');
}

function numberTaken(phoneNumber: string) {
  return new SwitchboardError('NUMBER_TAKEN', `${phoneNumber} is already registered in this organization`, 'phoneNumber');
}

/**
 * Every registration of `phoneNumber` at `provider`, each with its assistant, oldest first: the
 * candidates a provider webhook may be for. With ownership verification several organizations
 * can hold one number; the webhook route verifies the request's signature with each
 * candidate's assistant credentials and takes the one it verifies with.
 */
export function numbersForWebhook(services: Pick<Services, 'db'>, phoneNumber: string, provider: ProviderName) {
  return services.db.phoneNumber.findMany({
    where: { phoneNumber, provider },
    include: WITH_ASSISTANT,
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
}

export async function updatePhoneNumber(
  services: Services,
  organizationId: string,
  id: string,
  input: { messagesPerSecond?: number | null; providerAnswersKeywords?: boolean | null },
) {
  await findPhoneNumber(services, organizationId, id);
  const updated = await services.db.phoneNumber.update({
    where: { id },
    data: {
      ...(input.messagesPerSecond !== undefined && { messagesPerSecond: checkRate(input.messagesPerSecond) }),
      ...(input.providerAnswersKeywords !== undefined && { providerAnswersKeywords: input.providerAnswersKeywords ?? false }),
    },
  });
  services.senders.forget();
  return updated;
}

export async function assignPhoneNumber(services: Services, organizationId: string, phoneNumberId: string, assistantId: string) {
  const number = await findPhoneNumber(services, organizationId, phoneNumberId);
  const assistant = await findAssistant(services, organizationId, assistantId);
  // Webhooks for the number are checked with its assistant's credentials, and sends use them:
  // with verification on, the new assistant's account must own the number too.
  if (services.config.verifyNumberOwnership && number.assistantId !== assistant.id) {
    const credentials = await services.db.providerCredential.findMany({ where: { assistantId: assistant.id } });
    await proveOwnership(services, [{ ...assistant, credentials }], number.provider, number.phoneNumber, true);
  }
  const updated = await services.db.phoneNumber.update({ where: { id: phoneNumberId }, data: { assistantId } });
  services.senders.forget();
  return updated;
}

export async function findPhoneNumber(services: Services, organizationId: string, id: string) {
  const number = await services.db.phoneNumber.findFirst({ where: { id, organizationId } });
  if (!number) throw notFound('Phone number');
  return number;
}

export function invalidNumber(field: string, value: unknown) {
  return new SwitchboardError('INVALID_PHONE_NUMBER', `${JSON.stringify(value)} is not a valid E.164 phone number`, field);
}

function checkRate(rate: number | null | undefined): number | null {
  if (rate === null || rate === undefined) return null;
  if (!Number.isFinite(rate) || rate <= 0 || rate > 1000) {
    throw new SwitchboardError('INVALID_INPUT', 'messagesPerSecond must be greater than 0 and at most 1000', 'messagesPerSecond');
  }
  return rate;
}
