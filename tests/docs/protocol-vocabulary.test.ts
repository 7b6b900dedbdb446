import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCode, ServerCloseCode } from '../../src/protocol.js';

const doc = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');

describe('src/protocol.ts and the docs', () => {
  it('every error code is documented (docs/api.md or, for the guards, docs/security.md)', () => {
    const docs = doc('api.md') + doc('security.md');
    const missing = Object.values(ErrorCode).filter((code) => !docs.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });

  it("every close code of the server's own is in docs/api.md's close-code table", () => {
    const table = doc('api.md').split('## WebSocket close codes')[1]!;
    const missing = Object.values(ServerCloseCode).filter((code) => !table.includes(`| \`${code}\` |`));
    expect(missing).toEqual([]);
  });
});
