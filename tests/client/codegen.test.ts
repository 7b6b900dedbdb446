import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config from '../../codegen.js';

describe('client/src/gql', () => {
  it('is exactly what a fresh codegen run generates (run `npm run codegen` after changing the schema or a document)', async () => {
    // Generated in memory (saveOutputs: false): the test writes nothing into the repository.
    const fresh = (await generate({ ...config, silent: true }, false)) as Array<{ filename: string; content: string }>;
    const generated = new Map(fresh.map((file) => [path.relative('client/src/gql', file.filename), file.content]));
    const committed = new Map(
      await Promise.all(
        (await readdir('client/src/gql')).map(
          async (name) => [name, await readFile(path.join('client/src/gql', name), 'utf8')] as const,
        ),
      ),
    );
    expect([...committed.keys()].sort()).toEqual([...generated.keys()].sort());
    for (const [name, content] of generated) expect(committed.get(name), name).toBe(content);
  });
});
