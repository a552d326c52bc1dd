import { languageForFile } from "./file-language";
import type { LanguageId } from "./languages";

/** How the IDE shows a file: in the editor, as an image, as a table, or only as a download. */
export type FileKind = "text" | "image" | "csv" | "binary";

const IMAGE_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  svg: "image/svg+xml",
  webp: "image/webp",
};

const extension = (path: string): string => (path.includes(".") ? (path.split(".").at(-1)?.toLowerCase() ?? "") : "");

/** The MIME type of an image the viewer shows, or undefined for any other file. */
export function imageType(path: string): string | undefined {
  return IMAGE_TYPES[extension(path)];
}

/**
 * The kind of a file, by its extension and by how the server sent it: bytes that are not UTF-8 text
 * (`base64`) are never text, so they are never put in, nor saved from, a text buffer.
 */
export function fileKind(path: string, encoding: "utf8" | "base64"): FileKind {
  if (imageType(path)) return "image";
  if (encoding === "base64") return "binary";
  if (extension(path) === "csv") return "csv";
  return "text";
}

/**
 * The file Run runs, chosen rather than guessed: the one picked in the run menu, else the
 * session's entry file, else the open file when a language runs it, else the first file one runs.
 * A picked or entry file that is no longer among `runnable` (once the list is known) is passed over.
 */
export function chooseRunTarget(choice: {
  pinned: string | null;
  entry: string | null;
  open: string | null;
  runnable: readonly string[] | undefined;
  sessionLanguage: LanguageId;
}): string | null {
  const { pinned, entry, open, runnable, sessionLanguage } = choice;
  const exists = (path: string | null): path is string => path !== null && (!runnable || runnable.includes(path));
  if (exists(pinned)) return pinned;
  if (exists(entry)) return entry;
  if (open !== null && languageForFile(open, sessionLanguage) !== undefined) return open;
  return runnable?.[0] ?? null;
}
