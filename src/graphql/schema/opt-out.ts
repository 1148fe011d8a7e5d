import { builder } from '../builder';
import { decodeId, idOrNone } from '../ids';
import type { OptOut } from '../../db/client';
import { optOutWhere, setOptOutByHand } from '../../messaging/opt-outs';

export const OptOutNode = builder.prismaNode('OptOut', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, organizationId: ctx.organizationId }),
  description: 'Whether a customer has opted out of messages from one of your numbers (STOP / START, or set by hand).',
  fields: (t) => ({
    phoneNumber: t.relation('phoneNumber'),
    customerPhoneNumber: t.exposeString('customerPhoneNumber'),
    optedOut: t.exposeBoolean('optedOut', { description: 'true while sends from this number to this customer are refused (RECIPIENT_OPTED_OUT).' }),
    keyword: t.exposeString('keyword', { nullable: true, description: 'The inbound keyword that set it (STOP, START…); null when set by hand or by a provider refusal.' }),
    reason: t.exposeString('reason', { nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const OptOutFilterInput = builder.inputType('OptOutFilter', {
  fields: (t) => ({
    phoneNumberId: t.id(),
    customerPhoneNumber: t.string(),
    optedOut: t.boolean({ description: 'true: only those opted out now; false: only those opted back in.' }),
  }),
});

const OptOutRecipientInput = builder.inputType('OptOutRecipientInput', {
  fields: (t) => ({
    phoneNumberId: t.id({ required: true }),
    customerPhoneNumber: t.string({ required: true, description: 'E.164' }),
    reason: t.string(),
  }),
});
const OptInRecipientInput = builder.inputType('OptInRecipientInput', {
  fields: (t) => ({
    phoneNumberId: t.id({ required: true }),
    customerPhoneNumber: t.string({ required: true, description: 'E.164' }),
    reason: t.string(),
  }),
});

const optOutPayload = (name: string) =>
  builder.objectRef<{ optOut: OptOut }>(name).implement({
    fields: (t) => ({ optOut: t.field({ type: OptOutNode, resolve: (p) => p.optOut }) }),
  });
const OptOutRecipientPayload = optOutPayload('OptOutRecipientPayload');
const OptInRecipientPayload = optOutPayload('OptInRecipientPayload');

builder.queryFields((t) => ({
  optOuts: t.prismaConnection({
    authScopes: { key: 'READ_ONLY' },
    type: 'OptOut',
    cursor: 'id',
    description: 'The opt-out ledger, most recently changed first.',
    args: { filter: t.arg({ type: OptOutFilterInput }) },
    resolve: (query, _root, { filter }, ctx) =>
      ctx.services.db.optOut.findMany({
        ...query,
        where: optOutWhere(ctx.organizationId, {
          phoneNumberId: filter?.phoneNumberId ? idOrNone('PhoneNumber', filter.phoneNumberId) : undefined,
          customerPhoneNumber: filter?.customerPhoneNumber ?? undefined,
          optedOut: filter?.optedOut,
        }),
        orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
      }),
  }, { name: 'OptOutConnection' }, { name: 'OptOutEdge' }),
}));

builder.mutationFields((t) => ({
  optOutRecipient: t.field({
    authScopes: { key: 'ADMIN' },
    type: OptOutRecipientPayload,
    errors: {},
    description: 'Refuses further sends from this number to this customer until optInRecipient (or an inbound START).',
    args: { input: t.arg({ type: OptOutRecipientInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      optOut: await setOptOutByHand(ctx.services, ctx.organizationId, {
        ...input,
        phoneNumberId: decodeId('PhoneNumber', input.phoneNumberId),
        optedOut: true,
      }),
    }),
  }),
  optInRecipient: t.field({
    authScopes: { key: 'ADMIN' },
    type: OptInRecipientPayload,
    errors: {},
    description: 'Allows sends from this number to this customer again.',
    args: { input: t.arg({ type: OptInRecipientInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      optOut: await setOptOutByHand(ctx.services, ctx.organizationId, {
        ...input,
        phoneNumberId: decodeId('PhoneNumber', input.phoneNumberId),
        optedOut: false,
      }),
    }),
  }),
}));
