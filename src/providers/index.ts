/**
 * The registry of providers: one line per provider. Adding one is a folder beside twilio/,
 * telnyx/ and vonage/ with its ProviderDescriptor (types.ts), and a line here. Everything else
 * (webhook routes, credential inputs, the Provider enum, send limits, opt-out refusals)
 * loops over this list.
 */
import type { ProviderDescriptor, ProviderName } from './types.js';
import { twilio } from './twilio/index.js';
import { telnyx } from './telnyx/index.js';
import { vonage } from './vonage/index.js';

const registry = new Map<ProviderName, ProviderDescriptor>();

/**
 * Adds a provider. The built-in ones are registered below; a test registers its own before
 * the server is built, because the GraphQL schema (the Provider enum, the `<provider>Config`
 * inputs) and the webhook routes are made from the registry when they are first loaded.
 */
export function registerProvider<C>(descriptor: ProviderDescriptor<C>): void {
  if (registry.has(descriptor.name)) throw new Error(`provider ${descriptor.name} is registered twice`);
  const taken = new Set([...registry.values()].flatMap((provider) => provider.webhooks.map((route) => route.path)));
  const clash = descriptor.webhooks.find((route) => taken.has(route.path));
  if (clash) throw new Error(`provider ${descriptor.name}: webhook path ${clash.path} belongs to another provider`);
  registry.set(descriptor.name, descriptor);
}

registerProvider(twilio);
registerProvider(telnyx);
registerProvider(vonage);

/** Every provider, in the order registered. */
export function allProviders(): ProviderDescriptor[] {
  return [...registry.values()];
}

/** The provider of a stored number or message; its name came from this registry. */
export function providerNamed(name: ProviderName): ProviderDescriptor {
  const descriptor = registry.get(name);
  if (!descriptor) throw new Error(`no provider ${name} is registered`);
  return descriptor;
}

export function isProviderName(name: string): boolean {
  return registry.has(name);
}
