// graphql-codegen over the whole contract in one run: the schema and every operation file
// together, as a phone app's build sees them, so a name defined twice, an operation that does
// not match the schema or a scalar without a mapping fails here first.
// https://the-guild.dev/graphql/codegen/docs/config-reference/codegen-config
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../schema.graphql",
  documents: ["../docs/operations/*.graphql"],
  // Output goes to an ignored folder (or CODEGEN_OUT): it is checked, not committed.
  generates: {
    [`${process.env.CODEGEN_OUT ?? "generated"}/operations.ts`]: {
      plugins: ["typescript", "typescript-operations"],
      config: {
        strictScalars: true,
        scalars: {
          Date: "string",
          DateTime: "string",
          JSON: "unknown",
          Upload: "File",
        },
      },
    },
  },
  // Every error fails the run: no partial output, no skipped documents.
  errorsOnly: false,
  noSilentErrors: true,
  ignoreNoDocuments: false,
};

export default config;
