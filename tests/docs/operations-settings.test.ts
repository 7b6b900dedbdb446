import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPERATIONS_DOC, withSettingsTable } from '../../scripts/settings-table.js';

describe('docs/operations.md', () => {
  it('lists every setting of src/server/config.ts as it stands (regenerate: npx tsx scripts/settings-table.ts)', () => {
    const doc = readFileSync(OPERATIONS_DOC, 'utf8');
    expect(doc).toBe(withSettingsTable(doc));
  });
});
