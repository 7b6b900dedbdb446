import { writeFileSync } from 'node:fs';
import { printedSchema } from '../src/graphql/schema.js';

// `npm run schema`: reprints schema/schema.graphql from the Pothos code (tests/graphql/schema.test.ts fails when it drifts).
writeFileSync(new URL('../schema/schema.graphql', import.meta.url), printedSchema());
console.log('wrote schema/schema.graphql');
