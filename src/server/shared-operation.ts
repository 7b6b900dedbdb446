import { getOperationAST, Kind, print, visit, execute, type DocumentNode, type ExecutionArgs } from 'graphql';
import type { HeatmapSnapshot } from '../heatmap/types.js';
import type { OperationSpec } from '../stream/fanout.js';

/**
 * Identifies a subscription operation for shared execution. The root field's own arguments (the
 * symbol list) only choose which frames arrive, never what a frame renders to, so they are left
 * out: subscribers of different symbol lists with the same selection share one execution per frame.
 */
export function operationKey(
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

export function isSubscription(document: DocumentNode, operationName: string | null | undefined): boolean {
  return getOperationAST(document, operationName)?.operation === 'subscription';
}

/** Renders a frame through the operation's selection set once: the `next` payload shared by all its subscribers. */
export function sharedOperation(args: ExecutionArgs): OperationSpec {
  return {
    key: operationKey(args.document, args.operationName, args.variableValues as Record<string, unknown> | undefined),
    async render(frame: HeatmapSnapshot) {
      // graphql-js's own per-event step (mapSourceToResponse) is exactly this execute with the
      // event as root value; here it runs once per frame, not per subscriber. (The envelop
      // execute would start a new subscription for a subscription document.)
      const result = await execute({ ...args, rootValue: frame });
      return Buffer.from(JSON.stringify(result));
    },
  };
}
