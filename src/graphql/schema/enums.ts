import { builder } from '../builder';
import { Direction, Encoding, MessageStatus, Provider } from '../../db/client';

// The values of the Prisma schema's enums, in their order there.
export const ProviderEnum = builder.enumType('Provider', { values: Object.values(Provider) });
export const DirectionEnum = builder.enumType('Direction', { values: Object.values(Direction) });
export const MessageStatusEnum = builder.enumType('MessageStatus', { values: Object.values(MessageStatus) });
export const EncodingEnum = builder.enumType('Encoding', { values: Object.values(Encoding) });
