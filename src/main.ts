import { loadConfig } from './config';
import { buildApp } from './app';

const config = loadConfig();
const app = await buildApp(config);
await app.start();

const graphiql = `${app.url}/graphql`;
console.log(`Switchboard is up: ${graphiql} (GraphiQL in the browser, graphql-ws on the same path)`);
console.log(`Agent console: ${app.url}/console (sign in with an agent key)`);
console.log(`Database: ${config.dialect}${config.redisUrl ? ', events and queue shared through Redis' : ''}`);
if (app.bootstrapApiKey) {
  console.log('');
  console.log('Created the default organization. Its API key (shown once, keep it):');
  console.log(`  ${app.bootstrapApiKey}`);
  console.log(`In GraphiQL, add the header: {"Authorization": "Bearer ${app.bootstrapApiKey}"}`);
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`${signal}: finishing sends under way, then stopping`);
    app.stop().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
