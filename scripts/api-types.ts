import { writeFileSync } from "node:fs";
import path from "node:path";
import { API_TYPES_FILE, apiTypesSource } from "./api-types-source";

// Writes the REST API's client types; lib/api/openapi.test.ts fails while they are out of date.
const target = path.join(process.cwd(), API_TYPES_FILE);
writeFileSync(target, await apiTypesSource());
console.log(`wrote ${API_TYPES_FILE}`);
