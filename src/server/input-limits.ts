import { GraphQLError } from 'graphql';

/**
 * Counts the values in an operation's variables (every list item, object field and scalar) and
 * stops at `max` + 1, so a 30,000-item list is refused after 201 steps instead of being coerced,
 * validated and handed to a resolver. Runs before the query is even parsed.
 */
export function variablesError(variables: unknown, max: number): GraphQLError | null {
  if (variables === null || variables === undefined) return null;
  let count = 0;
  const stack: unknown[] = [variables];
  while (stack.length > 0 && count <= max) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      count += value.length;
      if (count <= max) stack.push(...value);
    } else if (value !== null && typeof value === 'object') {
      const fields = Object.values(value);
      count += fields.length;
      if (count <= max) stack.push(...fields);
    }
  }
  if (count <= max) return null;
  return new GraphQLError(`Variables hold more than ${max} values (MAX_VARIABLE_VALUES); send fewer`, {
    extensions: { code: 'VARIABLES_TOO_LARGE', limit: max },
  });
}
