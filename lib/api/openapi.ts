import { z } from "zod";
import packageJson from "@/package.json" with { type: "json" };
import { errorStatuses, openApiPath, PATH_PARAMS, pathParamNames, routeList, type RouteSpec } from "./contract";
import {
  apiKeySchema,
  errorResponseSchema,
  execResponseSchema,
  fileEntrySchema,
  runOutputEventSchema,
  runResponseSchema,
  sessionResponseSchema,
  setupResultSchema,
} from "./responses";

type Json = Record<string, unknown>;

/** Shapes several routes share, named in components.schemas; the rest are named after their operation. */
const SHARED_OUTPUTS: Record<string, z.ZodType> = {
  Error: errorResponseSchema,
  Session: sessionResponseSchema,
  SetupResult: setupResultSchema,
  RunResult: runResponseSchema,
  ExecResult: execResponseSchema,
  FileEntry: fileEntrySchema,
  ApiKey: apiKeySchema,
  RunOutputEvent: runOutputEventSchema,
};

const ERROR_TEXT: Record<number, string> = {
  400: "invalid input; `details` names each field",
  401: "an API key is needed or was not valid",
  403: "administration needs the token in the data folder",
  404: "no such session (or file, shell, terminal or key)",
  409: "a conflict: the id is taken, or the target exists",
  410: "gone",
  413: "the body (or the file) is too large",
  415: "send the body as application/json",
  429: "rate limit reached; see Retry-After",
  503: "a part of Sandpit is down; see /api/health",
};

const capitalized = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);
const ref = (id: string): Json => ({ $ref: `#/components/schemas/${id}` });

/** zod's own JSON Schema of a schema, as the document embeds it. */
function inline(schema: z.ZodType, io: "input" | "output"): Json {
  const { $schema: _schema, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Json;
  return rest;
}

/**
 * Request bodies and parameters are inline (readers see their fields where they are used);
 * answers are named in components.schemas, shared shapes once, with refs to them.
 */
class Components {
  private readonly outputs = z.registry<{ id: string }>();

  constructor() {
    for (const [id, schema] of Object.entries(SHARED_OUTPUTS)) this.outputs.add(schema, { id });
  }

  output(schema: z.ZodType, id: string): Json {
    if (!this.outputs.has(schema)) this.outputs.add(schema, { id });
    return ref(this.outputs.get(schema)?.id ?? id);
  }

  schemas(): Json {
    const uri = (id: string): string => `#/components/schemas/${id}`;
    const { schemas } = z.toJSONSchema(this.outputs, { io: "output", uri, unrepresentable: "any" });
    return Object.fromEntries(
      Object.entries(schemas).map(([id, schema]) => {
        const { $schema: _schema, $id: _id, ...rest } = schema as Json;
        return [id, rest];
      }),
    );
  }
}

function parameters(route: RouteSpec): Json[] {
  const path = pathParamNames(route.path).map((name) => ({
    name,
    in: "path",
    required: true,
    schema: { type: "string" },
    description: PATH_PARAMS[name],
  }));
  const query = Object.entries(route.query?.shape ?? {}).map(([name, field]) => {
    const schema = field as z.ZodType;
    return {
      name,
      in: "query",
      required: !schema.safeParse(undefined).success,
      schema: inline(schema, "input"),
      ...(schema.description ? { description: schema.description } : {}),
    };
  });
  return [...path, ...query];
}

function requestBody(route: RouteSpec): Json | undefined {
  const body = route.body;
  if (!body) return undefined;
  const content: Json = {};
  if (body.json) content["application/json"] = { schema: inline(body.json, "input") };
  if (body.raw) content[body.raw] = { schema: { type: "string", contentMediaType: body.raw } };
  // An empty body reads as {}: a body whose fields are all optional may be left out.
  const required = body.json ? !body.json.safeParse({}).success : true;
  return { required, content, ...(body.description ? { description: body.description } : {}) };
}

/** Server-sent events as a string body, with each event's name and data shape described alongside. */
function eventsContent(name: string, events: Record<string, z.ZodType>, components: Components): Json {
  const described: Json[] = Object.entries(events).map(([event, schema]) => ({
    event,
    data: components.output(schema, `${capitalized(name)}${capitalized(event)}Event`),
  }));
  described.push({ event: "error", data: ref("Error") });
  return {
    "text/event-stream": {
      schema: { type: "string", description: "events of `event: <name>` and `data: <JSON>` lines" },
      "x-events": described,
    },
  };
}

function success(name: string, route: RouteSpec, components: Components): Json {
  const spec = route.success;
  const content: Json = {};
  if (spec.json) content["application/json"] = { schema: components.output(spec.json, `${capitalized(name)}Response`) };
  if (spec.raw) content[spec.raw] = { schema: { type: "string", contentMediaType: spec.raw } };
  if (spec.events) Object.assign(content, eventsContent(name, spec.events, components));
  const headers = Object.entries(spec.headers ?? {}).map(([header, description]) => [
    header,
    { description, schema: { type: "string" } },
  ]);
  return {
    description: spec.description,
    ...(Object.keys(content).length > 0 ? { content } : {}),
    ...(headers.length > 0 ? { headers: Object.fromEntries(headers) } : {}),
  };
}

function operation(name: string, route: RouteSpec, components: Components): Json {
  const errors = errorStatuses(route).map((status) => [
    String(status),
    { description: ERROR_TEXT[status] ?? "error", content: { "application/json": { schema: ref("Error") } } },
  ]);
  const params = parameters(route);
  const body = requestBody(route);
  return {
    operationId: name,
    summary: route.summary,
    tags: [...route.tags],
    ...(route.access === "public" ? { security: [] } : route.access === "admin" ? { security: [{ admin: [] }] } : {}),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(body ? { requestBody: body } : {}),
    responses: { [String(route.success.status)]: success(name, route, components), ...Object.fromEntries(errors) },
  };
}

/** The OpenAPI 3.1 document of the REST API, built from the route table and the zod schemas the server validates with. */
export function openApiDocument(): Json {
  const components = new Components();
  const paths: Record<string, Json> = {};
  for (const [name, route] of routeList()) {
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(name, route, components) };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Sandpit API",
      version: packageJson.version,
      description:
        "Sessions with persistent workspaces, asynchronous setups, runs, shells and files. Every `timeout` is in seconds. When API keys are configured, send `Authorization: Bearer <key>`.",
    },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer" },
        admin: { type: "apiKey", in: "header", name: "x-sandpit-admin-token" },
      },
      schemas: components.schemas(),
    },
  };
}
