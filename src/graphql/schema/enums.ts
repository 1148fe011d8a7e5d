import { builder } from '../builder';

export const ProviderEnum = builder.enumType('Provider', { values: ['TWILIO', 'TELNYX', 'VONAGE'] as const });
export const DirectionEnum = builder.enumType('Direction', { values: ['INBOUND', 'OUTBOUND'] as const });
export const MessageStatusEnum = builder.enumType('MessageStatus', {
  values: ['SCHEDULED', 'QUEUED', 'SENDING', 'SENT', 'DELIVERED', 'UNDELIVERED', 'FAILED', 'CANCELED', 'RECEIVED'] as const,
});
export const EncodingEnum = builder.enumType('Encoding', { values: ['GSM7', 'UCS2'] as const });
