import type { Services } from '../services';
import type { InFlightPolicy, Organization } from '../db/client';

export interface OrganizationSettings {
  /** See InFlightPolicy in prisma/models.prisma and src/queue/reconcile.ts. */
  inFlightPolicy?: InFlightPolicy;
}

/** Changes an organization's settings; settings left undefined keep their value. */
export async function updateOrganizationSettings(services: Services, organizationId: string, settings: OrganizationSettings): Promise<Organization> {
  return services.db.organization.update({
    where: { id: organizationId },
    data: { ...(settings.inFlightPolicy !== undefined && { inFlightPolicy: settings.inFlightPolicy }) },
  });
}
