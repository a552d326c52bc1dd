import { API_LIMITS } from "@/lib/limits";

/**
 * The nesting depth of JSON text, counted without parsing, so a body nested thousands deep is
 * refused before anything walks it recursively (JSON.stringify, zod, superjson overflow the stack).
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      // A backslash escapes the next character, a quote among them.
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/** A message for text nested too deep, else undefined. */
export function jsonDepthProblem(text: string, what: string): string | undefined {
  const depth = jsonDepth(text);
  return depth > API_LIMITS.jsonDepth
    ? `${what} nests arrays and objects ${depth} levels deep; at most ${API_LIMITS.jsonDepth} are allowed`
    : undefined;
}
