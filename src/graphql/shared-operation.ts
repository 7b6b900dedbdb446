import {
  execute,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  Kind,
  print,
  visit,
  type DocumentNode,
  type ExecutionArgs,
} from 'graphql';
import type { Frame } from '../heatmap/types.js';
import type { Exchange } from '../market/source.js';
import type { OperationSpec } from '../stream/fanout.js';
import type { GraphQLContext } from './context.js';
import { subscribedStreams } from './symbols.js';

/**
 * Identifies a subscription operation for shared execution. The root field's own arguments (the
 * symbol list, the exchanges) only choose which frames arrive, never what a frame renders to, so they are left
 * out: subscribers of different symbol lists with the same selection share one execution per frame.
 */
function operationKey(
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): string {
  const operation = getOperationAST(document, operationName);
  const withoutRootArguments = visit(document, {
    OperationDefinition: (node) =>
      node !== operation
        ? null
        : {
            ...node,
            variableDefinitions: [],
            selectionSet: {
              ...node.selectionSet,
              selections: node.selectionSet.selections.map((selection) =>
                selection.kind === Kind.FIELD ? { ...selection, arguments: [] } : selection,
              ),
            },
          },
  });
  const used = new Set<string>();
  visit(withoutRootArguments, {
    Variable: (node) => {
      used.add(node.name.value);
    },
  });
  const relevant = [...used].sort().map((name) => [name, variables?.[name] ?? null]);
  return `${print(withoutRootArguments)}\n${JSON.stringify(relevant)}`;
}

/** A subscription the fan-out serves: what it renders, the streams it follows, and the notices before them. */
export interface SharedSubscription {
  operation: OperationSpec;
  streams: readonly string[];
  /** Events graphql-js yields before the first frame: 1 when unknown symbols get an INVALID_SYMBOL notice. */
  notices: number;
}

/**
 * A subscription operation as the fan-out serves it, once graphql-js has subscribed it successfully
 * (its resolver accepted the symbols); null when it is not a single `heatmapUpdated` field (graphql-ws
 * then streams it per subscriber).
 */
export function sharedSubscription(args: ExecutionArgs): SharedSubscription | null {
  const operation = getOperationAST(args.document, args.operationName);
  const field = operation?.selectionSet.selections[0];
  if (operation?.operation !== 'subscription' || field?.kind !== Kind.FIELD) return null;
  const definition = args.schema.getSubscriptionType()?.getFields()[field.name.value];
  if (definition?.name !== 'heatmapUpdated') return null;
  const variables = getVariableValues(
    args.schema,
    operation.variableDefinitions ?? [],
    (args.variableValues ?? {}) as Record<string, unknown>,
  );
  if (variables.errors) return null;
  const { symbols, exchanges } = getArgumentValues(definition, field, variables.coerced) as {
    symbols: string[];
    exchanges?: Exchange[] | null;
  };
  const { streams, invalid } = subscribedStreams((args.contextValue as GraphQLContext).api, symbols, exchanges);
  return { operation: sharedOperation(args), streams, notices: invalid.length > 0 ? 1 : 0 };
}

/** Renders a frame through the operation's selection set once: the `next` payload shared by all its subscribers. */
function sharedOperation(args: ExecutionArgs): OperationSpec {
  return {
    key: operationKey(args.document, args.operationName, args.variableValues as Record<string, unknown> | undefined),
    async render(frame: Frame) {
      // graphql-js's own per-event step (mapSourceToResponse) is exactly this execute with the
      // event as root value; here it runs once per frame, not per subscriber. (The envelop
      // execute would start a new subscription for a subscription document.)
      const result = await execute({ ...args, rootValue: frame });
      return Buffer.from(JSON.stringify(result));
    },
  };
}
