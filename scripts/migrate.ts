// npm run db:migrate — applies pending migrations to DATABASE_URL (npm start does this too).
import { loadConfig } from '../src/config';
import { migrate } from '../src/db/migrate';

const config = loadConfig();
const applied = await migrate(config.databaseUrl, config.dialect);
console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
