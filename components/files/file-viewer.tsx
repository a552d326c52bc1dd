"use client";

import { useMemo, type ReactNode } from "react";
import { CSV_ROW_LIMIT, parseCsv } from "@/lib/csv";
import type { FileKind } from "@/lib/file-kind";
import { imageType } from "@/lib/file-kind";

/** The REST address of one file's raw bytes, for download links. */
export function fileUrl(sessionId: string, path: string): string {
  return `/api/sessions/${encodeURIComponent(sessionId)}/files/${path.split("/").map(encodeURIComponent).join("/")}`;
}

export function DownloadLink({ sessionId, path }: { sessionId: string; path: string }): ReactNode {
  return (
    <a
      href={fileUrl(sessionId, path)}
      download={path.split("/").at(-1)}
      className="rounded border border-stone-300 px-2 py-1 text-sm hover:bg-stone-100 dark:border-stone-700 dark:hover:bg-stone-800"
    >
      Download
    </a>
  );
}

function base64Of(content: string, encoding: "utf8" | "base64"): string {
  if (encoding === "base64") return content;
  return btoa(Array.from(new TextEncoder().encode(content), (byte) => String.fromCharCode(byte)).join(""));
}

/**
 * An image from a data URL in an <img>: an SVG shown this way runs no script and touches no page
 * style, which inlining it into the DOM would allow.
 */
function ImageView({ path, content, encoding }: { path: string; content: string; encoding: "utf8" | "base64" }): ReactNode {
  const url = useMemo(() => `data:${imageType(path)};base64,${base64Of(content, encoding)}`, [content, encoding, path]);
  return (
    <div className="flex h-full items-center justify-center overflow-auto bg-stone-50 p-4 dark:bg-stone-900">
      {/* eslint-disable-next-line @next/next/no-img-element -- a data URL, not an optimisable asset */}
      <img src={url} alt={path} data-testid="image-view" className="max-h-full max-w-full object-contain" />
    </div>
  );
}

function CsvView({ content }: { content: string }): ReactNode {
  const { rows, truncated } = useMemo(() => parseCsv(content, CSV_ROW_LIMIT + 1), [content]);
  const [head, ...body] = rows;
  return (
    <div className="h-full overflow-auto text-sm">
      <table data-testid="csv-table" className="min-w-full border-collapse font-mono">
        {head && (
          <thead className="sticky top-0 bg-stone-100 dark:bg-stone-800">
            <tr>
              {head.map((cell, i) => (
                <th key={i} className="border border-stone-200 px-2 py-1 text-left dark:border-stone-700">
                  {cell}
                </th>
              ))}
            </tr>
          </thead>
        )}
        <tbody>
          {body.map((row, r) => (
            <tr key={r}>
              {row.map((cell, i) => (
                <td key={i} className="border border-stone-200 px-2 py-1 dark:border-stone-700">
                  {cell}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {truncated && (
        <p className="p-2 text-stone-600 dark:text-stone-400">
          Showing the first {CSV_ROW_LIMIT} rows; download the file to see them all.
        </p>
      )}
    </div>
  );
}

/** A file the editor does not edit: an image, a CSV table, or any other bytes as a download. */
export function FileViewer(props: {
  sessionId: string;
  path: string;
  kind: Exclude<FileKind, "text">;
  content: string;
  encoding: "utf8" | "base64";
}): ReactNode {
  if (props.kind === "image") return <ImageView path={props.path} content={props.content} encoding={props.encoding} />;
  if (props.kind === "csv") return <CsvView content={props.content} />;
  return (
    <div className="flex h-full flex-col items-center justify-center gap-3 p-4 text-sm text-stone-600 dark:text-stone-400">
      <p>{props.path} is not a text file.</p>
      <DownloadLink sessionId={props.sessionId} path={props.path} />
    </div>
  );
}
