import { encodeGlobalID } from '@pothos/plugin-relay';
import { builder } from '../builder';
import { decodeId, idOrNone } from '../ids';
import { ConsentKind, type Assistant, type ConsentEvent, type ConsentMethod } from '../../db/client';
import { ErrorCodeEnum } from './errors';
import type { MessageCategory, Refusal } from '../../compliance/rules';
import { canSend, type SendVerdict } from '../../compliance/can-send';
import { consentHistoryWhere, recordOptIn } from '../../compliance/consent';
import type { AssistantCompliance } from '../../compliance/settings';

export const MessageCategoryEnum = builder.enumType('MessageCategory', {
  description: 'What a message is for. An assistant may exempt TRANSACTIONAL messages from quiet hours and its frequency cap.',
  values: {
    TRANSACTIONAL: { description: 'One-time codes, receipts, appointment changes: what the customer is waiting for.' },
    MARKETING: { description: 'Offers and promotions.' },
    CONVERSATIONAL: { description: 'Replies in a conversation the customer is having.' },
    COMPLIANCE: { description: "Switchboard's own keyword replies: never refused by the compliance rules, not chosen by callers." },
  } satisfies Record<MessageCategory, { description: string }>,
});

export const OutsideQuietHoursEnum = builder.enumType('OutsideQuietHours', {
  description: "What a send outside the recipient's sending window does.",
  values: {
    REFUSE: { description: 'Refused with QUIET_HOURS and the next allowed time. The default.' },
    SCHEDULE: { description: 'Stored SCHEDULED for when the window next opens.' },
  } as const,
});

const ConsentKindEnum = builder.enumType('ConsentKind', { values: Object.values(ConsentKind) });
const ConsentMethodEnum = builder.enumType('ConsentMethod', {
  values: {
    KEYWORD: { description: 'The customer texted a keyword (STOP, START, STOPALL…).' },
    PROVIDER_REFUSAL: { description: 'The provider refused a send: the customer opted out with the carrier.' },
    BY_HAND: { description: 'optOutRecipient / optInRecipient.' },
    API: { description: 'recordOptIn.' },
  } satisfies Record<ConsentMethod, { description: string }>,
});

export const AssistantComplianceType = builder.objectRef<AssistantCompliance>('AssistantCompliance').implement({
  description: "An assistant's compliance settings. Each is off until set: an assistant without them sends as before.",
  fields: (t) => ({
    businessName: t.exposeString('businessName', { nullable: true, description: 'Named in the default keyword replies; the assistant name when null.' }),
    keywordReplies: t.exposeBoolean('keywordReplies', {
      description: "Reply to STOP, START and HELP keywords, once per keyword message, from numbers whose provider does not answer them (PhoneNumber.providerAnswersKeywords).",
    }),
    stopReply: t.exposeString('stopReply', { nullable: true, description: 'The reply to STOP-family keywords; null = the default.' }),
    startReply: t.exposeString('startReply', { nullable: true, description: 'The reply to START-family keywords; null = the default.' }),
    helpReply: t.exposeString('helpReply', { nullable: true, description: 'The reply to HELP and INFO; null = the default.' }),
    optOutFooter: t.exposeString('optOutFooter', { nullable: true, description: 'Appended to the first message of a new thread, e.g. "Reply STOP to opt out".' }),
    sendingWindowStart: t.exposeString('sendingWindowStart', { nullable: true, description: "HH:MM on the recipient's clock; outside the window sends are refused (QUIET_HOURS) or scheduled." }),
    sendingWindowEnd: t.exposeString('sendingWindowEnd', { nullable: true, description: 'HH:MM; before the start for an overnight window.' }),
    timeZone: t.exposeString('timeZone', {
      nullable: true,
      description: "IANA zone for recipients whose number does not settle their zone (US and Canadian numbers, among others); UTC when null.",
    }),
    dailyCapPerRecipient: t.exposeInt('dailyCapPerRecipient', { nullable: true, description: 'At most this many messages to one recipient in any 24 hours (FREQUENCY_CAP).' }),
    exemptTransactional: t.exposeBoolean('exemptTransactional', { description: 'TRANSACTIONAL messages are exempt from the sending window and the cap.' }),
  }),
});

export const AssistantComplianceInput = builder.inputType('AssistantComplianceInput', {
  description: 'Fields left out keep their value; null clears a setting (turns it off).',
  fields: (t) => ({
    businessName: t.string(),
    keywordReplies: t.boolean(),
    stopReply: t.string(),
    startReply: t.string(),
    helpReply: t.string(),
    optOutFooter: t.string(),
    sendingWindowStart: t.string({ description: 'HH:MM, 24-hour; set together with sendingWindowEnd.' }),
    sendingWindowEnd: t.string({ description: 'HH:MM, 24-hour.' }),
    timeZone: t.string({ description: 'IANA zone, e.g. "America/New_York".' }),
    dailyCapPerRecipient: t.int({ description: '1 to 10000; null for no cap.' }),
    exemptTransactional: t.boolean(),
  }),
});

/** The assistant columns AssistantCompliance reads. */
export const ASSISTANT_COMPLIANCE_SELECT = {
  businessName: true,
  keywordReplies: true,
  stopReply: true,
  startReply: true,
  helpReply: true,
  optOutFooter: true,
  sendingWindowStart: true,
  sendingWindowEnd: true,
  timeZone: true,
  dailyCapPerRecipient: true,
  exemptTransactional: true,
} as const satisfies Partial<Record<keyof Assistant, true>>;

const SendRefusal = builder.objectRef<Refusal>('SendRefusal').implement({
  description: 'One reason a send would be refused.',
  fields: (t) => ({
    code: t.field({ type: ErrorCodeEnum, resolve: (r) => r.code }),
    message: t.exposeString('message'),
    nextAllowedAt: t.expose('nextAllowedAt', { type: 'DateTime', nullable: true, description: "QUIET_HOURS: when the recipient's sending window next opens." }),
    enforced: t.exposeBoolean('enforced', { description: 'False when the rule is switched off: the send would go out, but this is what the rule says.' }),
  }),
});

const CanSend = builder.objectRef<SendVerdict>('CanSend').implement({
  fields: (t) => ({
    allowed: t.exposeBoolean('allowed', { description: 'True when no rule that is on refuses the send.' }),
    reasons: t.field({ type: [SendRefusal], resolve: (v) => v.reasons }),
  }),
});

const CanSendInput = builder.inputType('CanSendInput', {
  fields: (t) => ({
    fromPhoneNumber: t.string({ required: true }),
    toPhoneNumber: t.string({ required: true }),
    category: t.field({ type: MessageCategoryEnum }),
    at: t.field({ type: 'DateTime', description: 'When the message would go out; now when left out.' }),
  }),
});

export const ConsentEventNode = builder.prismaNode('ConsentEvent', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, organizationId: ctx.organizationId }),
  description: 'One entry of the append-only consent history: never changed or removed once written.',
  fields: (t) => ({
    customerPhoneNumber: t.exposeString('customerPhoneNumber'),
    kind: t.expose('kind', { type: ConsentKindEnum }),
    method: t.expose('method', { type: ConsentMethodEnum }),
    phoneNumberId: t.id({
      nullable: true,
      description: 'The number it covers; null with assistantId null = every number of the organization.',
      resolve: (e) => e.phoneNumberId && encodeGlobalID('PhoneNumber', e.phoneNumberId),
    }),
    assistantId: t.id({ nullable: true, description: "The assistant whose numbers it covers.", resolve: (e) => e.assistantId && encodeGlobalID('Assistant', e.assistantId) }),
    keyword: t.exposeString('keyword', { nullable: true }),
    source: t.exposeString('source', { nullable: true, description: "Where consent was collected (recordOptIn), the reason given by hand, or the provider's refusal." }),
    evidence: t.exposeString('evidence', { nullable: true }),
    messageId: t.id({ nullable: true, description: 'The inbound keyword message.', resolve: (e) => e.messageId && encodeGlobalID('Message', e.messageId) }),
    at: t.expose('at', { type: 'DateTime', description: 'When the customer gave or withdrew consent.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was recorded.' }),
  }),
});

const ConsentHistoryFilter = builder.inputType('ConsentHistoryFilter', {
  fields: (t) => ({
    customerPhoneNumber: t.string(),
    phoneNumberId: t.id({ description: "The number's own entries and the organization-wide ones." }),
    kind: t.field({ type: ConsentKindEnum }),
    after: t.field({ type: 'DateTime', description: 'at ≥ this' }),
    before: t.field({ type: 'DateTime', description: 'at < this' }),
  }),
});

const RecordOptInInput = builder.inputType('RecordOptInInput', {
  fields: (t) => ({
    customerPhoneNumber: t.string({ required: true, description: 'E.164' }),
    source: t.string({ required: true, description: 'Where consent was collected, e.g. "checkout form".' }),
    evidence: t.string({ description: 'What proves it: the words agreed to, a form URL, a reference.' }),
    phoneNumberIds: t.idList({ description: 'The numbers it covers.' }),
    assistantIds: t.idList({ description: "The assistants whose numbers it covers. Neither: every number of the organization." }),
    at: t.field({ type: 'DateTime', description: 'When the customer gave it; now when left out.' }),
  }),
});
const RecordOptInPayload = builder.objectRef<{ consentEvents: ConsentEvent[] }>('RecordOptInPayload').implement({
  fields: (t) => ({ consentEvents: t.field({ type: [ConsentEventNode], resolve: (p) => p.consentEvents }) }),
});

builder.queryFields((t) => ({
  canSend: t.field({
    authScopes: { key: 'READ_ONLY' },
    type: CanSend,
    errors: {},
    description: 'Whether a send would be accepted now (or at `at`), with every reason it would not: the same rules sendSms runs.',
    args: { input: t.arg({ type: CanSendInput, required: true }) },
    resolve: (_root, { input }, ctx) => canSend(ctx.services, ctx.organizationId, input),
  }),
  consentHistory: t.prismaConnection(
    {
      authScopes: { key: 'READ_ONLY' },
      type: 'ConsentEvent',
      cursor: 'id',
      description: 'The consent history, newest first.',
      args: { filter: t.arg({ type: ConsentHistoryFilter }) },
      resolve: (query, _root, { filter }, ctx) =>
        ctx.services.db.consentEvent.findMany({
          ...query,
          where: consentHistoryWhere(ctx.organizationId, { ...filter, phoneNumberId: filter?.phoneNumberId ? idOrNone('PhoneNumber', filter.phoneNumberId) : undefined }),
          orderBy: [{ at: 'desc' }, { id: 'desc' }],
        }),
    },
    { name: 'ConsentEventConnection' },
    { name: 'ConsentEventEdge' },
  ),
}));

builder.mutationFields((t) => ({
  recordOptIn: t.field({
    authScopes: { key: 'ADMIN' },
    type: RecordOptInPayload,
    errors: {},
    description: 'Records consent collected outside Switchboard (requireOptIn), one history entry per number or assistant covered. It does not undo an opt-out.',
    args: { input: t.arg({ type: RecordOptInInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      consentEvents: await recordOptIn(ctx.services, ctx.organizationId, {
        ...input,
        phoneNumberIds: input.phoneNumberIds?.map((id) => decodeId('PhoneNumber', id)),
        assistantIds: input.assistantIds?.map((id) => decodeId('Assistant', id)),
      }),
    }),
  }),
}));
