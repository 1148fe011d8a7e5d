import { builder } from '../builder';
import { ERROR_CODES, SwitchboardError } from '../../errors';

export const ErrorCodeEnum = builder.enumType('ErrorCode', { values: ERROR_CODES });

export const ErrorInterface = builder.interfaceRef<SwitchboardError>('Error').implement({
  description: 'What every expected mutation failure carries. Select it with `... on Error { code message }`.',
  fields: (t) => ({
    code: t.field({ type: ErrorCodeEnum, resolve: (e) => e.code }),
    message: t.exposeString('message'),
  }),
});

builder.objectType(SwitchboardError, {
  name: 'ApiError',
  description: 'An expected failure: bad input, a missing object, a refused send.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof SwitchboardError,
  fields: (t) => ({
    field: t.exposeString('field', { nullable: true, description: 'The input field at fault, where there is one.' }),
    nextAllowedAt: t.expose('nextAllowedAt', { type: 'DateTime', nullable: true, description: "QUIET_HOURS: when the recipient's sending window next opens." }),
  }),
});
