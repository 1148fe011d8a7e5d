/**
 * The `<provider>Config` inputs of createAssistant and updateAssistant (twilioConfig,
 * telnyxConfig, vonageConfig …), one per registered provider, made from its descriptor's
 * credential fields: a provider brings its input without an edit here.
 */
import { builder } from '../builder';
import { allProviders } from '../../providers';
import type { CredentialInput } from '../../assistants/credentials';
import type { ProviderName } from '../../providers/types';

type InputFields = Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0];

const configInputs = allProviders().map((provider) => ({
  inputField: provider.credentials.inputField,
  name: provider.name,
  type: builder.inputType(provider.credentials.inputType, {
    fields: (t) => {
      const fields: Readonly<Record<string, { required: boolean; description?: string }>> = provider.credentials.fields;
      return Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, t.string({ required: field.required, description: field.description })]));
    },
  }),
}));

/** The `<provider>Config` fields of an assistant's input. */
export function providerConfigFields(t: InputFields) {
  return Object.fromEntries(configInputs.map(({ inputField, type }) => [inputField, t.field({ type })]));
}

/** The configs an input carries, by provider: left out (undefined), removed (null) or given. */
export function providerConfigs(input: Readonly<Record<string, unknown>>): Record<ProviderName, CredentialInput | null | undefined> {
  return Object.fromEntries(configInputs.map(({ inputField, name }) => [name, input[inputField] as CredentialInput | null | undefined]));
}
