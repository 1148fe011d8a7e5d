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
import './registration';

export const schema = lexicographicSortSchema(builder.toSchema());
