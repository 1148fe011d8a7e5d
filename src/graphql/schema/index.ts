import { lexicographicSortSchema } from 'graphql';
import { builder } from '../builder';
import './errors';
import './enums';
import './organization';
import './assistant';
import './message';
import './conversation';
import './subscriptions';
import './opt-out';
import './compliance';
import './forwarding';
import './export';

export const schema = lexicographicSortSchema(builder.toSchema());
