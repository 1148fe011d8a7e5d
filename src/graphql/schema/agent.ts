import { builder } from '../builder';
import type { Agent } from '../../db/client';
import { createAgent } from '../../tenancy/agents';

export const AgentNode = builder.prismaNode('Agent', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, organizationId: ctx.organizationId }),
  description: 'A person who answers threads at the console. API keys may belong to one (createApiKey agentId).',
  fields: (t) => ({
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const CreateAgentInput = builder.inputType('CreateAgentInput', {
  fields: (t) => ({ name: t.string({ required: true }) }),
});
const CreateAgentPayload = builder.objectRef<{ agent: Agent }>('CreateAgentPayload').implement({
  fields: (t) => ({ agent: t.field({ type: AgentNode, resolve: (p) => p.agent }) }),
});

builder.queryFields((t) => ({
  agents: t.prismaConnection({
    type: 'Agent',
    cursor: 'id',
    authScopes: { key: 'READ_ONLY' },
    description: "The organization's agents, oldest first.",
    resolve: (query, _root, _args, ctx) =>
      ctx.services.db.agent.findMany({ ...query, where: { organizationId: ctx.organizationId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
  }, { name: 'AgentConnection' }, { name: 'AgentEdge' }),
}));

builder.mutationFields((t) => ({
  createAgent: t.field({
    type: CreateAgentPayload,
    errors: {},
    authScopes: { key: 'ADMIN' },
    description: 'A new agent; give it a key with createApiKey(agentId) so its sends and takeovers are its own.',
    args: { input: t.arg({ type: CreateAgentInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({ agent: await createAgent(ctx.services, ctx.organizationId, input.name) }),
  }),
}));
