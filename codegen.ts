import type { CodegenConfig } from '@graphql-codegen/cli';

// `npm run codegen`: typed documents for client/ from the printed schema (schema/schema.graphql).
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['client/src/**/*.{ts,tsx}', '!client/src/gql/**'],
  ignoreNoDocuments: true,
  // The generated files are type-checked under NodeNext too (tests import the client code).
  importExtension: '.js',
  generates: {
    './client/src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { scalars: { DateTime: 'string' }, enumsAsTypes: true, useTypeImports: true },
    },
  },
};

export default config;
