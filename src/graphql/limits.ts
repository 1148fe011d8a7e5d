import { EnvelopArmor } from '@escape.tech/graphql-armor';
import type { Plugin } from 'graphql-yoga';
import {
  getNamedType,
  getNullableType,
  getOperationAST,
  GraphQLError,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/**
 * What one GraphQL document may ask of the server, on HTTP and WebSocket alike. Every refusal
 * is a GraphQL error with `extensions.code = "QUERY_TOO_COMPLEX"` and `extensions.limit`
 * naming the limit (`depth`, `aliases`, `tokens`, `directives`, `cost`), decided before any
 * resolver runs.
 */
export interface QueryLimits {
  /** Nested fields, leaves and Relay's `edges { node }` counted; fragments are not a level. */
  maxDepth: number;
  maxAliases: number;
  /** Lexical tokens in the document: parsing stops at the first one over. */
  maxTokens: number;
  maxDirectives: number;
  /** Objects the query may resolve, lists multiplied by their page size (see estimateCost). */
  maxCost: number;
  /**
   * The most items a connection returns: a larger `first`/`last` is refused with a typed
   * BAD_USER_INPUT error before anything runs (see checkCost).
   */
  maxPageSize: number;
}

export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

/** Pothos relay's page when a connection is asked without `first`/`last`. */
const DEFAULT_PAGE_SIZE = 20;
/**
 * A plain list field (a message's `events` or `forwards`, an assistant's `phoneNumbers`): its
 * size is not asked for, so it is estimated. These are short and loaded in one batch per level
 * (Pothos prisma), so a small figure: a first page of 100 messages with their timelines,
 * forwards and attempts stays well within the default limit.
 */
const PLAIN_LIST_ESTIMATE = 3;

function tooComplex(limit: string, message: string) {
  return new GraphQLError(message, { extensions: { code: QUERY_TOO_COMPLEX, limit, http: { status: 400 } } });
}

/**
 * graphql-armor's depth, alias, token and directive limits, with its errors re-thrown as typed
 * ones (armor's own carry no code, only a "Syntax Error: …" message). armor's cost limit is not
 * used: it counts only literal `first`/`last` and weighs depth exponentially, which refuses
 * ordinary Relay queries; the cost check below counts page sizes, variables included.
 */
export function queryLimitPlugins(limits: QueryLimits): Plugin[] {
  const rethrow = (limit: string) => [
    (_context: unknown, error: GraphQLError) => {
      throw tooComplex(limit, error.message.replace(/^Syntax Error: /, ''));
    },
  ];
  const armor = new EnvelopArmor({
    maxDepth: { n: limits.maxDepth, flattenFragments: true, onReject: rethrow('depth') },
    maxAliases: { n: limits.maxAliases, onReject: rethrow('aliases') },
    maxTokens: { n: limits.maxTokens, onReject: rethrow('tokens') },
    maxDirectives: { n: limits.maxDirectives, onReject: rethrow('directives') },
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  });
  // Variables are known here (not at validation), so `first: $n` is counted as asked.
  const check: NonNullable<Plugin['onExecute']> & NonNullable<Plugin['onSubscribe']> = ({ args, setResultAndStopExecution }) => {
    const error = checkCost(args.schema, args.document, args.operationName, args.variableValues, limits);
    if (error) setResultAndStopExecution({ errors: [error] });
  };
  const costPlugin: Plugin = { onExecute: check, onSubscribe: check };
  return [...(armor.protect().plugins as Plugin[]), costPlugin];
}

/** The cost check: null when the operation is within the limit. */
export function checkCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  limits: Pick<QueryLimits, 'maxCost' | 'maxPageSize'>,
): GraphQLError | null {
  let cost: number;
  try {
    cost = estimateCost(schema, document, operationName, variables ?? {}, limits.maxPageSize);
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
  if (cost <= limits.maxCost) return null;
  return tooComplex('cost', `Query cost ${cost} is over the limit of ${limits.maxCost}: ask for smaller pages (first/last) or fewer nested lists`);
}

function badPage(field: string, argument: string, message: string) {
  return new GraphQLError(`${field}: ${message}`, { extensions: { code: 'BAD_USER_INPUT', argument, http: { status: 400 } } });
}

/**
 * A connection's paging arguments: `first`/`last` from 0 to the page limit, and one direction
 * at a time (Relay's rules, which the resolvers would otherwise refuse with an untyped error).
 */
function checkPage(
  field: string,
  page: { first: number | null; last: number | null; after: boolean; before: boolean },
  maxPageSize: number,
) {
  for (const [argument, value] of [['first', page.first], ['last', page.last]] as const) {
    if (value !== null && (value < 0 || value > maxPageSize)) {
      throw badPage(field, argument, `${argument} must be from 0 to ${maxPageSize}; got ${value}. Page through larger sets with after/before.`);
    }
  }
  if (page.first !== null && page.last !== null) throw badPage(field, 'last', 'give first or last, not both');
  if (page.after && page.before) throw badPage(field, 'before', 'give after or before, not both');
  if (page.before && page.first !== null) throw badPage(field, 'first', 'before pages backwards: give it with last, not first');
  if (page.after && page.last !== null) throw badPage(field, 'last', 'after pages forwards: give it with first, not last');
}

/**
 * How many objects an operation may resolve: every object field counts once per parent it is
 * resolved for, and a list multiplies what is below it by its size — a connection's
 * `first`/`last` (the default page when neither is given), `nodes(ids:)`'s length, or an
 * estimate for plain lists. Scalars are free (the alias and token limits bound them). Paging
 * arguments out of bounds throw checkPage's typed error.
 */
export function estimateCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
  maxPageSize: number,
): number {
  const operation = getOperationAST(document, operationName);
  if (!operation) return 0;
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const intArgument = (value: ValueNode | undefined): number | null => {
    if (!value) return null;
    if (value.kind === Kind.INT) return Number(value.value);
    if (value.kind === Kind.VARIABLE) {
      const given = variables[value.name.value];
      if (typeof given === 'number') return given;
      const definition = operation.variableDefinitions?.find((v) => v.variable.name.value === value.name.value);
      return definition?.defaultValue?.kind === Kind.INT ? Number(definition.defaultValue.value) : null;
    }
    return null;
  };
  const isGiven = (value: ValueNode | undefined): boolean => {
    if (!value || value.kind === Kind.NULL) return false;
    if (value.kind !== Kind.VARIABLE) return true;
    const given = variables[value.name.value];
    return given !== undefined && given !== null;
  };
  const listArgumentLength = (value: ValueNode | undefined): number | null => {
    if (!value) return null;
    if (value.kind === Kind.LIST) return value.values.length;
    if (value.kind === Kind.VARIABLE) {
      const given = variables[value.name.value];
      return Array.isArray(given) ? given.length : given === undefined || given === null ? null : 1;
    }
    return null;
  };

  // Fragment spreads are expanded where they are used; cycles never reach here (validation refuses them).
  const visit = (selectionSet: SelectionSetNode, parentType: GraphQLCompositeType, multiplier: number, pageSize: number | null): number => {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) as GraphQLCompositeType | undefined) : parentType;
        if (type) cost += visit(selection.selectionSet, type, multiplier, pageSize);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        const type = fragment && (schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType | undefined);
        if (fragment && type) cost += visit(fragment.selectionSet, type, multiplier, pageSize);
        continue;
      }
      const name = selection.name.value;
      if (name.startsWith('__') || !selection.selectionSet) continue; // introspection and scalars
      const field = isObjectType(parentType) || isInterfaceType(parentType) ? parentType.getFields()[name] : undefined;
      if (!field) continue;
      const type = getNamedType(field.type);
      if (!isCompositeType(type)) continue;

      const argument = (argName: string) => selection.arguments?.find((a) => a.name.value === argName)?.value;
      const first = intArgument(argument('first'));
      const last = intArgument(argument('last'));
      const isConnection = field.args.some((a) => a.name === 'first' || a.name === 'last');
      if (isConnection) checkPage(name, { first, last, after: isGiven(argument('after')), before: isGiven(argument('before')) }, maxPageSize);
      let size = 1;
      if (isListType(getNullableType(field.type))) {
        size = pageSize ?? listArgumentLength(argument('ids')) ?? PLAIN_LIST_ESTIMATE;
      }
      const objects = multiplier * size;
      // A connection is one object; the page it asked for sizes its `edges`/`nodes` list.
      const childPage = isConnection ? Math.min(Math.max(first ?? 0, last ?? 0) || DEFAULT_PAGE_SIZE, maxPageSize) : null;
      cost += objects + visit(selection.selectionSet, type, objects, childPage);
    }
    return cost;
  };
  return visit(operation.selectionSet, root, 1, null);
}
