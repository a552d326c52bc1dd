"use client";

import { useMonaco } from "@monaco-editor/react";
import { useQuery } from "@tanstack/react-query";
import { useEffect, type ReactNode } from "react";
import { useTRPC, useTRPCClient } from "@/lib/trpc/client";

type Monaco = NonNullable<ReturnType<typeof useMonaco>>;
type TRPCClient = ReturnType<typeof useTRPCClient>;
/** What the server answers: the declaration files, and whether the limits cut them. */
type PackageTypesView = Awaited<ReturnType<TRPCClient["files"]["packageTypes"]["query"]>>;

/**
 * Compiler options under which `import _ from "lodash"` type-checks against the packages' own
 * declarations and `@types/*`: node-style resolution from file:///node_modules, and default imports
 * of CommonJS modules (as tsx and Node allow them at run time).
 */
function packageOptions(monaco: Monaco): Parameters<Monaco["typescript"]["typescriptDefaults"]["setCompilerOptions"]>[0] {
  const ts = monaco.typescript;
  return {
    esModuleInterop: true,
    allowSyntheticDefaultImports: true,
    moduleResolution: ts.ModuleResolutionKind.NodeJs,
    module: ts.ModuleKind.ESNext,
    target: ts.ScriptTarget.ESNext,
    allowNonTsExtensions: true,
  };
}

/**
 * Gives the editor's TypeScript and JavaScript checkers the type declarations of the npm packages
 * the session's setup installed, read from its layer (as file:///node_modules/…). They are fetched
 * again whenever a setup finishes (an edited setup brings other packages).
 */
export function usePackageTypes(sessionId: string): PackageTypesView | undefined {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const monaco = useMonaco();
  const session = useQuery(trpc.sessions.get.queryOptions({ id: sessionId }));
  const status = session.data?.setup_status;
  // Runs use the last setup that completed, so a failed one still has types to give.
  const settled = status === "completed" || status === "failed";
  const finished = session.data?.setup_result?.finished_at ?? null;
  const types = useQuery({
    queryKey: ["package-types", sessionId, finished],
    queryFn: () => client.files.packageTypes.query({ id: sessionId }),
    enabled: settled,
    staleTime: Infinity,
  });

  useEffect(() => {
    if (!monaco || !types.data) return;
    const ts = monaco.typescript;
    const disposables = [ts.typescriptDefaults, ts.javascriptDefaults].flatMap((defaults) => {
      defaults.setCompilerOptions({ ...defaults.getCompilerOptions(), ...packageOptions(monaco) });
      return types.data.files.map((file) => defaults.addExtraLib(file.text, `file:///node_modules/${file.path}`));
    });
    return () => disposables.forEach((disposable) => disposable.dispose());
  }, [monaco, types.data]);
  return types.data;
}

/** usePackageTypes as an element; it says so when the packages had more declarations than the editor gets. */
export function PackageTypes({ sessionId }: { sessionId: string }): ReactNode {
  const types = usePackageTypes(sessionId);
  if (!types?.truncated) return null;
  return (
    <p role="status" data-testid="package-types-cut" className="text-xs text-stone-600 dark:text-stone-400">
      The editor knows the types of part of the installed npm packages: {types.files.length} declaration files (at most{" "}
      {types.limits.files} files, {types.limits.bytes / 1024 / 1024} MiB). Runs see every package.
    </p>
  );
}
