import { builder } from '../builder';
import { Direction, Encoding, MessageStatus } from '../../db/client';
import { allProviders } from '../../providers';

/** The registered providers (src/providers/index.ts), as they are when the schema is built. */
export const ProviderEnum = builder.enumType('Provider', { values: allProviders().map((provider) => provider.name) });
export const DirectionEnum = builder.enumType(Direction, { name: 'Direction' });
export const MessageStatusEnum = builder.enumType(MessageStatus, { name: 'MessageStatus' });
export const EncodingEnum = builder.enumType(Encoding, { name: 'Encoding' });
