import { bash } from "./bash";
import { c } from "./c";
import { cpp } from "./cpp";
import { deno } from "./deno";
import { go } from "./go";
import { java } from "./java";
import { node } from "./node";
import { python } from "./python";
import { rust } from "./rust";
import type { LanguageDefinition, PackageStep } from "./types";
import { typescript } from "./typescript";

export type { LanguageDefinition, PackageManager, PackageStep, RunPlan, SetupCommand } from "./types";
export { COMPILE_FAILED_EXIT_CODE } from "./compiled";

/** Every language a session can use, in the order pickers show them. Adding one is adding its module here. */
export const LANGUAGES = [python, node, typescript, go, deno, bash, c, cpp, java, rust] as const;

export type LanguageId = (typeof LANGUAGES)[number]["id"];

export const LANGUAGE_IDS = LANGUAGES.map((language) => language.id) as [LanguageId, ...LanguageId[]];

export function getLanguage(id: LanguageId): LanguageDefinition<LanguageId> {
  return LANGUAGES.find((language) => language.id === id) as LanguageDefinition<LanguageId>;
}

/** Names people and programs use for each language (ids and aliases, ERA's included), lower case. */
export const LANGUAGE_ALIASES: Record<string, LanguageId> = Object.fromEntries(
  LANGUAGES.flatMap((language) => [language.id, ...language.aliases].map((name) => [name, language.id])),
);

/** "python, node, … or rust": for descriptions and error messages. */
export function languageList(): string {
  return `${LANGUAGE_IDS.slice(0, -1).join(", ")} or ${LANGUAGE_IDS.at(-1)}`;
}

/** The package steps of a setup, in the registry's order (pip → npm → go). */
export function packageSteps(): PackageStep[] {
  return LANGUAGES.flatMap((language: LanguageDefinition) => (language.packages ? [language.packages] : []));
}

function mergedEnv(pick: (language: LanguageDefinition) => Record<string, string> | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const language of LANGUAGES) Object.assign(env, pick(language));
  return env;
}

/** Env of every sandbox: each language's settings for its tools (one sandbox serves every language). */
export function sandboxEnv(): Record<string, string> {
  return mergedEnv((language) => language.sandboxEnv);
}

/** Env of every setup container, before the mirrors and the spec's own envs. */
export function setupEnv(): Record<string, string> {
  return mergedEnv((language) => language.setupEnv);
}
