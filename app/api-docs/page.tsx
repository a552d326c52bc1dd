import type { Metadata } from "next";
import type { ReactNode } from "react";
import { Endpoint, type Operation } from "@/components/api-docs/endpoint";
import { openApiDocument } from "@/lib/api/openapi";

export const metadata: Metadata = { title: "API · Sandpit" };

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

export default function ApiDocsPage(): ReactNode {
  const document = openApiDocument() as {
    info: { version: string; description: string };
    paths: Record<string, Record<string, unknown>>;
  };
  return (
    <div className="space-y-6">
      <header className="space-y-2">
        <h1 className="text-2xl font-semibold tracking-tight">Sandpit API</h1>
        <p className="max-w-3xl text-sm text-stone-600 dark:text-stone-400">
          {document.info.description.split("`").map((part, index) =>
            index % 2 === 1 ? (
              <code key={index} className="font-mono text-stone-800 dark:text-stone-200">
                {part}
              </code>
            ) : (
              part
            ),
          )}
        </p>
        <p className="text-sm">
          The machine-readable document:{" "}
          <a className="font-mono text-sand-700 underline dark:text-sand-300" href="/api/openapi.json">
            /api/openapi.json
          </a>{" "}
          (OpenAPI 3.1). Agents can also use the MCP endpoint at <code className="font-mono">/api/mcp</code>.
        </p>
      </header>
      <div className="grid gap-3">
        {Object.entries(document.paths).flatMap(([path, item]) =>
          METHODS.filter((method) => item[method]).map((method) => (
            <Endpoint key={`${method} ${path}`} method={method} path={path} operation={item[method] as Operation} />
          )),
        )}
      </div>
    </div>
  );
}
