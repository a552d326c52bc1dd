import openapiTS, { astToString } from "openapi-typescript";
import { openApiDocument } from "@/lib/api/openapi";

/** Where the generated client types live; committed, so a fresh clone type-checks without a step first. */
export const API_TYPES_FILE = "lib/api/openapi-types.gen.ts";

/** TypeScript types of the REST API (paths, operations, components), generated from the OpenAPI document. */
export async function apiTypesSource(): Promise<string> {
  const ast = await openapiTS(JSON.parse(JSON.stringify(openApiDocument())) as Parameters<typeof openapiTS>[0]);
  return `// Generated from the OpenAPI document by \`npm run api:types\`; do not edit.\n${astToString(ast)}`;
}
