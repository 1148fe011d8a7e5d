/**
 * Agents and scoped keys for the console suites: an organization's ADMIN key makes them.
 */
import { graphql } from '../gql';
import type { ApiKeyScope } from '../gql/graphql';
import { graphqlClient, ok, type Request } from './client';
import type { OrganizationFixture } from './fixtures';
import type { TestServer } from './server';

const ConsoleCreateAgent = graphql(`
  mutation ConsoleCreateAgent($input: CreateAgentInput!) {
    createAgent(input: $input) {
      __typename
      ... on CreateAgentPayload { agent { id name } }
      ... on Error { code message }
    }
  }
`);

const ConsoleCreateApiKey = graphql(`
  mutation ConsoleCreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      __typename
      ... on CreateApiKeyPayload { apiKey apiKeyId }
      ... on Error { code message }
    }
  }
`);

export async function createAgent(org: OrganizationFixture, name: string): Promise<{ id: string; name: string }> {
  const result = (await ok(org.request(ConsoleCreateAgent, { input: { name } }))).createAgent;
  if (result.__typename !== 'CreateAgentPayload') throw new Error(`createAgent: ${JSON.stringify(result)}`);
  return result.agent;
}

export interface ScopedKey {
  apiKey: string;
  apiKeyId: string;
  request: Request;
}

/** A new key of `org` with these scopes, bound to `agentId` if given. */
export async function createKey(server: TestServer, org: OrganizationFixture, name: string, scopes: ApiKeyScope[], agentId?: string): Promise<ScopedKey> {
  const result = (await ok(org.request(ConsoleCreateApiKey, { input: { name, scopes, agentId } }))).createApiKey;
  if (result.__typename !== 'CreateApiKeyPayload') throw new Error(`createApiKey: ${JSON.stringify(result)}`);
  return { apiKey: result.apiKey, apiKeyId: result.apiKeyId, request: graphqlClient(server.url, result.apiKey) };
}
