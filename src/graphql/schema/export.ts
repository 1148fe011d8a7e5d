import { builder } from '../builder';
import { keyCaller } from '../context';
import { decodeId } from '../ids';
import { notFound } from '../../errors';
import type { ExportFormat } from '../../export/encoders';
import { signedExportUrl } from '../../export/signed-url';
import { paramsFromFilter } from '../../export/url-filter';
import { MessageFilterInput } from './message';

const ExportFormatEnum = builder.enumType('ExportFormat', {
  values: {
    CSV: { value: 'csv', description: 'RFC 4180 CSV with a header row.' },
    JSONL: { value: 'jsonl', description: 'JSON Lines: one message object per line.' },
    TXT: { value: 'txt', description: 'A plain-text transcript, one message per line.' },
  } as const,
});

interface ExportLink {
  url: string;
  expiresAt: Date;
  format: ExportFormat;
}

const ExportPayload = builder.objectRef<ExportLink>('ExportPayload').implement({
  description: 'A download link for an export, streamed when followed.',
  fields: (t) => ({
    url: t.exposeString('url', {
      description:
        'Absolute URL under PUBLIC_URL. It carries a signed token, so it downloads without an Authorization header until expiresAt, or until the API key that asked for it is revoked.',
    }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', description: '15 minutes after it was issued.' }),
    format: t.field({ type: ExportFormatEnum, resolve: (link) => link.format }),
  }),
});

// Mutations rather than queries: each call mints a new short-lived bearer credential (not a
// cacheable read), and a missing conversation answers a typed NOT_FOUND like every mutation.
builder.mutationFields((t) => ({
  exportMessages: t.field({
    authScopes: { key: 'READ_ONLY' },
    type: ExportPayload,
    errors: {},
    description: 'A download URL for the delivery log matching the filter, oldest first (GET it: CSV, JSON Lines or text).',
    args: {
      filter: t.arg({ type: MessageFilterInput }),
      format: t.arg({ type: ExportFormatEnum, required: true }),
    },
    resolve: (_root, { filter, format }, ctx) => ({
      ...signedExportUrl(ctx.services, keyCaller(ctx), '/export/messages', { format, ...paramsFromFilter(filter) }),
      format,
    }),
  }),
  exportConversation: t.field({
    authScopes: { key: 'READ_ONLY' },
    type: ExportPayload,
    errors: {},
    description: "A download URL for one conversation's messages, oldest first.",
    args: {
      id: t.arg.id({ required: true }),
      format: t.arg({ type: ExportFormatEnum, required: true }),
    },
    resolve: async (_root, { id, format }, ctx) => {
      const issuer = keyCaller(ctx);
      const found = await ctx.services.db.conversation.findFirst({
        where: { id: decodeId('Conversation', id), organizationId: issuer.organizationId },
        select: { id: true },
      });
      if (!found) throw notFound('Conversation');
      return { ...signedExportUrl(ctx.services, issuer, `/export/conversations/${id}`, { format }), format };
    },
  }),
}));
