import { lexicographicSortSchema } from 'graphql';
import { builder } from '../builder';
import './errors';
import './enums';
import './organization';
import './assistant';
import './message';
import './conversation';
import './subscriptions';

export const schema = lexicographicSortSchema(builder.toSchema());
