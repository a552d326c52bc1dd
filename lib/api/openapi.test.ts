import { readFileSync } from "node:fs";
import path from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { API_TYPES_FILE, apiTypesSource } from "@/scripts/api-types-source";
import { errorStatuses, openApiPath, pathParamNames, routeList } from "./contract";
import { openApiDocument } from "./openapi";

interface Operation {
  operationId: string;
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { content?: Record<string, unknown> }>;
  security?: unknown[];
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const document = JSON.parse(JSON.stringify(openApiDocument())) as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

function operations(): Array<[string, string, Operation]> {
  return Object.entries(document.paths).flatMap(([p, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]): [string, string, Operation] => [method.toUpperCase(), p, op]),
  );
}

/** Every `$ref` anywhere below `value`. */
function refs(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refs);
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => (key === "$ref" && typeof inner === "string" ? [inner] : refs(inner)));
}

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it("has exactly the table's routes: each method and path once, named by its operationId", () => {
    const table = routeList().map(([name, route]) => `${route.method} ${openApiPath(route.path)} ${name}`);
    const documented = operations().map(([method, p, op]) => `${method} ${p} ${op.operationId}`);
    expect(documented.sort()).toEqual(table.sort());
    expect(table.length).toBeGreaterThanOrEqual(34);
  });

  it("answers each route with its success status and media types, and every error status it can return", () => {
    for (const [name, route] of routeList()) {
      const op = document.paths[openApiPath(route.path)]?.[route.method.toLowerCase()];
      expect(op, name).toBeDefined();
      const statuses = [String(route.success.status), ...errorStatuses(route).map(String)];
      expect(Object.keys(op?.responses ?? {}).sort(), name).toEqual(statuses.sort());
      const success = op?.responses[String(route.success.status)]?.content ?? {};
      const types = [
        ...(route.success.json ? ["application/json"] : []),
        ...(route.success.raw ? [route.success.raw] : []),
        ...(route.success.events ? ["text/event-stream"] : []),
      ];
      expect(Object.keys(success).sort(), name).toEqual(types.sort());
      for (const status of errorStatuses(route))
        expect(op?.responses[String(status)]?.content, `${name} ${status}`).toEqual({
          "application/json": { schema: { $ref: "#/components/schemas/Error" } },
        });
    }
  });

  it("describes each route's path and query parameters and request body", () => {
    for (const [name, route] of routeList()) {
      const op = document.paths[openApiPath(route.path)]?.[route.method.toLowerCase()];
      const params = (op?.parameters ?? []).map((p) => `${p.in}:${p.name}`);
      const expected = [
        ...pathParamNames(route.path).map((p) => `path:${p}`),
        ...Object.keys(route.query?.shape ?? {}).map((q) => `query:${q}`),
      ];
      expect(params, name).toEqual(expected);
      const bodyTypes = [...(route.body?.json ? ["application/json"] : []), ...(route.body?.raw ? [route.body.raw] : [])];
      expect(Object.keys(op?.requestBody?.content ?? {}).sort(), name).toEqual(bodyTypes.sort());
    }
  });

  it("streams and downloads are described by their media types", () => {
    const stream = document.paths["/api/sessions/{id}/stream"]?.post?.responses["200"]?.content;
    expect(Object.keys(stream ?? {})).toEqual(["text/event-stream"]);
    expect(JSON.stringify(stream)).toContain('"event":"done"');
    const archive = document.paths["/api/sessions/{id}/archive"];
    expect(Object.keys(archive?.get?.responses["200"]?.content ?? {})).toEqual(["application/gzip"]);
    expect(Object.keys(archive?.put?.requestBody?.content ?? {})).toEqual(["application/gzip"]);
    const file = document.paths["/api/sessions/{id}/files/{path}"]?.get?.responses["200"]?.content;
    expect(Object.keys(file ?? {}).sort()).toEqual(["application/json", "application/octet-stream"]);
  });

  it("resolves every $ref to a named schema", () => {
    const all = refs(document);
    expect(all.length).toBeGreaterThan(30);
    for (const ref of all) {
      const name = ref.replace("#/components/schemas/", "");
      expect(document.components.schemas[name], ref).toBeDefined();
    }
  });

  it("asks the admin token exactly of /api/admin/ routes and nothing of the public ones", () => {
    for (const [name, route] of routeList()) {
      expect(route.access === "admin", name).toBe(route.path.startsWith("/api/admin/"));
      const op = document.paths[openApiPath(route.path)]?.[route.method.toLowerCase()];
      if (route.access === "public") expect(op?.security, name).toEqual([]);
      if (route.access === "admin") expect(op?.security, name).toEqual([{ admin: [] }]);
    }
  });

  it("matches the committed client types (npm run api:types writes them)", async () => {
    const committed = readFileSync(path.join(process.cwd(), API_TYPES_FILE), "utf8");
    expect(committed).toBe(await apiTypesSource());
  });
});
