import type { Services } from '../services';
import { SwitchboardError } from '../errors';

/** A person who answers threads at the console; API keys may be bound to one. */
export async function createAgent(services: Services, organizationId: string, name: string) {
  const trimmed = name?.trim();
  if (!trimmed) throw new SwitchboardError('INVALID_INPUT', 'name must not be empty', 'name');
  if (trimmed.length > 200) throw new SwitchboardError('INVALID_INPUT', 'name must be at most 200 characters', 'name');
  return services.db.agent.create({ data: { organizationId, name: trimmed } });
}

/** The agent `id` of the organization, or NOT_FOUND (another organization's agent does not exist for it). */
export async function agentOf(services: Services, organizationId: string, id: string, field = 'agentId') {
  const agent = await services.db.agent.findFirst({ where: { id, organizationId } });
  if (!agent) throw new SwitchboardError('NOT_FOUND', 'Agent not found', field);
  return agent;
}
