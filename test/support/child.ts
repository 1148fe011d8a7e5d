import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * A Switchboard server as a child process (`src/main.ts`), so that a kill is a real crash;
 * resolves once it serves, with the URL it printed.
 */
export interface Child {
  child: ChildProcess;
  url: string;
  exited: Promise<unknown>;
}

export async function startChild(env: Record<string, string>): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let output = '';
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output += `${line}\n`;
      const match = /Switchboard is up: (http:\/\/[^/\s]+)\/graphql/.exec(line);
      if (match) resolve(match[1]);
    });
    void exited.then(() => reject(new Error(`the server exited during start:\n${output}`)));
  });
  return { child, url, exited };
}

/** GraphQL over plain HTTP, untyped: the data, or an error naming the GraphQL errors. */
export async function gql<T = any>(url: string, apiKey: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors?.length || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}
