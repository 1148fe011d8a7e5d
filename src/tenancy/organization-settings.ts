import type { Services } from '../services';
import type { InFlightPolicy, Organization } from '../db/client';
import { SwitchboardError } from '../errors';

export interface OrganizationSettings {
  /** See InFlightPolicy in prisma/models.prisma and src/queue/reconcile.ts. */
  inFlightPolicy?: InFlightPolicy;
  /** The compliance switches (src/compliance/rules.ts), each off by default. */
  requireOptIn?: boolean;
  consentReplyWindowMinutes?: number;
  enforceRegistration?: boolean;
}

const MAX_REPLY_WINDOW_MINUTES = 30 * 24 * 60;

/** Changes an organization's settings; settings left undefined keep their value. */
export async function updateOrganizationSettings(services: Services, organizationId: string, settings: OrganizationSettings): Promise<Organization> {
  const window = settings.consentReplyWindowMinutes;
  if (window !== undefined && (!Number.isInteger(window) || window < 0 || window > MAX_REPLY_WINDOW_MINUTES)) {
    throw new SwitchboardError('INVALID_INPUT', `consentReplyWindowMinutes must be a whole number from 0 to ${MAX_REPLY_WINDOW_MINUTES}`, 'consentReplyWindowMinutes');
  }
  const data = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
  const organization = await services.db.organization.update({ where: { id: organizationId }, data });
  // The send path reads the switches with the cached sender.
  services.senders.forget();
  return organization;
}
