import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printedSchema } from '../../src/graphql/schema.js';

describe('schema/schema.graphql', () => {
  it('is exactly what the Pothos code prints (run `npm run schema` after changing src/graphql)', () => {
    expect(readFileSync('schema/schema.graphql', 'utf8')).toBe(printedSchema());
  });
});
