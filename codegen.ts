import type { CodegenConfig } from '@graphql-codegen/cli';

/** Both targets read the printed schema; the options below are shared. */
const typed = {
  scalars: { DateTime: 'string', ID: 'string' },
  enumsAsTypes: true,
  useTypeImports: true,
};

/**
 * Typed GraphQL documents from the printed schema. The test suite's client writes operations
 * with `graphql(\`…\`)` and gets typed results and variables; so does the console (console/),
 * whose documents are plain strings (no GraphQL parser in the browser bundle). A schema change
 * that breaks an operation of either fails `npm run typecheck`.
 */
const config: CodegenConfig = {
  schema: './schema.graphql',
  ignoreNoDocuments: true,
  generates: {
    './test/gql/': {
      documents: ['test/**/*.ts', 'bench/**/*.ts', '!test/gql/**'],
      preset: 'client',
      config: typed,
      presetConfig: { fragmentMasking: false },
    },
    './console/src/gql/': {
      documents: ['console/src/**/*.ts', 'console/src/**/*.tsx', '!console/src/gql/**'],
      preset: 'client',
      config: { ...typed, documentMode: 'string' },
      presetConfig: { fragmentMasking: false },
    },
  },
  silent: !process.env.CODEGEN_VERBOSE,
};

export default config;
