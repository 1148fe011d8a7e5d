import type { Services } from '../services';
import { notFound, SwitchboardError } from '../errors';
import { parseE164 } from '../messaging/phone-number';
import type { ProviderName } from '../providers/types';
import { findAssistant } from './assistants';
import { isUniqueViolation } from '../db/errors';

export interface AddPhoneNumberInput {
  phoneNumber: string;
  provider: ProviderName;
  assistantId?: string | null;
  messagesPerSecond?: number | null;
}

export async function addPhoneNumber(services: Services, organizationId: string, input: AddPhoneNumberInput) {
  const phoneNumber = parseE164(input.phoneNumber);
  if (!phoneNumber) throw invalidNumber('phoneNumber', input.phoneNumber);
  if (input.assistantId) await findAssistant(services, organizationId, input.assistantId);
  services.senders.forget();
  try {
    return await services.db.phoneNumber.create({
      data: {
        organizationId,
        phoneNumber,
        provider: input.provider,
        assistantId: input.assistantId ?? null,
        messagesPerSecond: checkRate(input.messagesPerSecond),
      },
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new SwitchboardError('NUMBER_TAKEN', `${phoneNumber} is already registered`, 'phoneNumber');
    throw error;
  }
}

export async function updatePhoneNumber(services: Services, organizationId: string, id: string, input: { messagesPerSecond?: number | null }) {
  await findPhoneNumber(services, organizationId, id);
  services.senders.forget();
  return services.db.phoneNumber.update({
    where: { id },
    data: { ...(input.messagesPerSecond !== undefined && { messagesPerSecond: checkRate(input.messagesPerSecond) }) },
  });
}

export async function assignPhoneNumber(services: Services, organizationId: string, phoneNumberId: string, assistantId: string) {
  await findPhoneNumber(services, organizationId, phoneNumberId);
  await findAssistant(services, organizationId, assistantId);
  services.senders.forget();
  return services.db.phoneNumber.update({ where: { id: phoneNumberId }, data: { assistantId } });
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
