import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed GraphQL documents from the printed schema. The test suite's client (and any frontend)
 * writes operations with `graphql(\`…\`)` and gets typed results and variables.
 */
const config: CodegenConfig = {
  schema: './schema.graphql',
  documents: ['test/**/*.ts', 'bench/**/*.ts', '!test/gql/**'],
  ignoreNoDocuments: true,
  generates: {
    './test/gql/': {
      preset: 'client',
      config: {
        scalars: { DateTime: 'string', ID: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
      presetConfig: { fragmentMasking: false },
    },
  },
  silent: !process.env.CODEGEN_VERBOSE,
};

export default config;
