import type { Services } from '../services';
import { SwitchboardError } from '../errors';
import { requireName } from '../assistants/assistants';

/** A person who answers threads at the console; API keys may be bound to one. */
export async function createAgent(services: Services, organizationId: string, name: string) {
  return services.db.agent.create({ data: { organizationId, name: requireName(name) } });
}

/** The agent `id` of the organization, or NOT_FOUND (another organization's agent does not exist for it). */
export async function agentOf(services: Services, organizationId: string, id: string, field = 'agentId') {
  const agent = await services.db.agent.findFirst({ where: { id, organizationId } });
  if (!agent) throw new SwitchboardError('NOT_FOUND', 'Agent not found', field);
  return agent;
}
