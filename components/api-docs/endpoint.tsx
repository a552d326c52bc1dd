import type { ReactNode } from "react";

const METHOD_STYLE: Record<string, string> = {
  get: "bg-sky-100 text-sky-800 dark:bg-sky-900/50 dark:text-sky-300",
  post: "bg-emerald-100 text-emerald-800 dark:bg-emerald-900/50 dark:text-emerald-300",
  put: "bg-amber-100 text-amber-800 dark:bg-amber-900/50 dark:text-amber-300",
  patch: "bg-violet-100 text-violet-800 dark:bg-violet-900/50 dark:text-violet-300",
  delete: "bg-red-100 text-red-800 dark:bg-red-900/50 dark:text-red-300",
};

export interface Operation {
  summary?: string;
  requestBody?: {
    content?: Record<
      string,
      { schema?: { properties?: Record<string, { type?: unknown; description?: string }>; required?: string[] } }
    >;
  };
  responses?: Record<string, { description?: string }>;
}

function typeOf(field: { type?: unknown; anyOf?: Array<{ type?: unknown }> }): string {
  if (Array.isArray(field.type)) return field.type.join(" | ");
  if (typeof field.type === "string") return field.type;
  if (field.anyOf) return field.anyOf.map((option) => (typeof option.type === "string" ? option.type : "object")).join(" | ");
  return "any";
}

export function Endpoint({ method, path, operation }: { method: string; path: string; operation: Operation }): ReactNode {
  const schema = operation.requestBody?.content?.["application/json"]?.schema;
  const fields = Object.entries(schema?.properties ?? {});
  return (
    <article className="rounded-lg border border-stone-200 bg-white p-4 dark:border-stone-800 dark:bg-stone-900">
      <h3 className="flex flex-wrap items-center gap-2 font-mono text-sm">
        <span className={`rounded px-2 py-0.5 text-xs font-semibold uppercase ${METHOD_STYLE[method] ?? ""}`}>{method}</span>
        <span>{path}</span>
      </h3>
      {operation.summary && <p className="mt-2 text-sm text-stone-600 dark:text-stone-400">{operation.summary}</p>}
      {fields.length > 0 && (
        <table className="mt-3 w-full text-left text-xs">
          <thead className="text-stone-600 dark:text-stone-400">
            <tr>
              <th className="py-1 pr-4 font-medium">field</th>
              <th className="py-1 pr-4 font-medium">type</th>
              <th className="py-1 font-medium">required</th>
            </tr>
          </thead>
          <tbody className="font-mono">
            {fields.map(([name, field]) => (
              <tr key={name} className="border-t border-stone-100 dark:border-stone-800">
                <td className="py-1 pr-4">{name}</td>
                <td className="py-1 pr-4 text-stone-600 dark:text-stone-400">{typeOf(field as { type?: unknown })}</td>
                <td className="py-1">{schema?.required?.includes(name) ? "yes" : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {operation.responses && (
        <p className="mt-3 text-xs text-stone-500 dark:text-stone-400">
          {Object.entries(operation.responses)
            .map(([status, response]) => `${status} ${response.description ?? ""}`)
            .join(" · ")}
        </p>
      )}
    </article>
  );
}
