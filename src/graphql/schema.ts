import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.js';
import './types.js';
import './query.js';
import './subscription.js';

export const schema = builder.toSchema();

/** The SDL committed as schema/schema.graphql (a test fails when it drifts). */
export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
