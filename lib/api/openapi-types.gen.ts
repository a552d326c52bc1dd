// Generated from the OpenAPI document by `npm run api:types`; do not edit.
export interface paths {
    "/api/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document */
        get: operations["getOpenApi"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/limits": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The limits every sandbox runs under (memory, CPUs, processes, /tmp, /workspace (null: not bounded), files, output, timeouts in seconds) */
        get: operations["getLimits"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List API keys (administration, used by npm run keys) */
        get: operations["listKeys"];
        put?: never;
        /** Create an API key; the key itself is shown only in this answer */
        post: operations["createKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/keys/{key}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an API key */
        delete: operations["revokeKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/nodes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The Sandpit nodes sharing this database: address, state, capacity, open sandboxes, heartbeat (administration) */
        get: operations["listNodes"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List sessions, newest first */
        get: operations["listSessions"];
        put?: never;
        /** Create a session (setup runs asynchronously: setup_status starts as pending) */
        post: operations["createSession"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a session, with its setup status and result */
        get: operations["getSession"];
        put?: never;
        post?: never;
        /** Delete the session and everything it holds; its id is free afterwards */
        delete: operations["deleteSession"];
        options?: never;
        head?: never;
        /** Change default_timeout, metadata, entry_file, persistent or template */
        patch: operations["updateSession"];
        trace?: never;
    };
    "/api/sessions/{id}/duplicate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Fork: same layer, a copy of the workspace */
        post: operations["duplicateSession"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/publish": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Publish a class template's files as they are now to its students' copies: new and changed files reach each copy where the student has not edited them; removed files go where the student left them as they were; edited files are left alone and reported as conflicts (the template's owner only) */
        post: operations["publishTemplate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/updates": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The class template's last published version, and where each student's copy stands against it (the template's owner only) */
        get: operations["getClassUpdates"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/setup": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The setup's live status, steps and result (null when the session has none) */
        get: operations["getSetup"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Replace the setup and run it as a new layer: runs keep the current layer until it completes (and if it fails); the workspace keeps its files */
        patch: operations["editSetup"];
        trace?: never;
    };
    "/api/sessions/{id}/setup/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Run a failed setup again */
        post: operations["retrySetup"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/run": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Run code (or the entry file) and wait for the result; env is never stored */
        post: operations["runCode"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/stream": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Run code and stream its output as server-sent events: stdout and stderr, then one done (or error) */
        post: operations["streamRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Recent runs (metadata only) */
        get: operations["listRuns"];
        put?: never;
        /** Start an interactive run on a terminal (PTY) and answer its id at once: type into it with /stdin, read /events, end it with /stop */
        post: operations["startRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/runs/{run}/stdin": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Type into an interactive run's terminal (at most 64 KiB a call); \x03 is Ctrl+C, \x04 is Ctrl+D (EOF) */
        post: operations["runStdin"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/runs/{run}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An interactive run's output as server-sent events (the terminal merges stderr into stdout); Last-Event-ID (or ?after) resumes after that seq */
        get: operations["runEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/runs/{run}/stop": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Stop a run: its whole process tree, answered once every process of it is gone */
        post: operations["stopRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/execute": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** One-shot run in a throwaway sandbox */
        post: operations["execute"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/exec": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Run a command in a stateful shell (cwd, env, functions persist) */
        post: operations["exec"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/shells": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List shells */
        get: operations["listShells"];
        put?: never;
        /** Create a shell */
        post: operations["createShell"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/shells/{shell}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Delete a shell */
        delete: operations["deleteShell"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/files": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List workspace files */
        get: operations["listFiles"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/files/{path}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read a file: raw bytes (the mode in X-File-Mode), or JSON with ?format=json */
        get: operations["readFile"];
        /** Write a file: raw bytes, or JSON { content, encoding, mode }; parents are created */
        put: operations["writeFile"];
        post?: never;
        /** Delete a file (or a folder with ?recursive=true) */
        delete: operations["deleteFile"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/directories": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Create a folder */
        post: operations["makeDirectory"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/move": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Move or rename a file or folder */
        post: operations["moveFile"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/archive": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Download the workspace as tar.gz */
        get: operations["downloadArchive"];
        /** Unpack a tar.gz into the workspace */
        put: operations["uploadArchive"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/ports": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Ports programs in the sandbox listen on, each with a link that opens its preview (valid 10 minutes; it gives the browser a cookie for the preview's own origin) */
        get: operations["listPorts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/assignment": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A class template's assignment: its test command, hidden files, feedback, time limit and deadline (its owner only) */
        get: operations["getAssignment"];
        /** Set a template's assignment; fields left out stay, files replaces every hidden file. Hidden files live outside every workspace: Check lays them over a copy of the work */
        put: operations["setAssignment"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/class-readiness": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** How many sandboxes are kept ready for a template's students, and how many are ready now (its owner only) */
        get: operations["getClassReadiness"];
        /** Get a class ready before its students arrive: sandboxes with the template's setup are started ahead, one at a time, so that students joining at once each start in one. Kept for `minutes` (default 30); asking again replaces the count */
        put: operations["prepareClass"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/checks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Whether the session can be checked, its deadline, and its checks, newest first */
        get: operations["listChecks"];
        put?: never;
        /** Check: run the hidden tests of the session's class (or template) against a copy of its work now; pass or fail per test, with what the teacher lets students see */
        post: operations["runCheck"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/terminals": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Open a terminal (a pty) on a shell */
        post: operations["openTerminal"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/terminals/{terminal}/output": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The terminal's output as server-sent events; Last-Event-ID (or ?after) resumes after that seq */
        get: operations["terminalOutput"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/terminals/{terminal}/input": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Type into the terminal (at most 64 KiB a call) */
        post: operations["terminalInput"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/terminals/{terminal}/resize": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Resize the terminal */
        post: operations["resizeTerminal"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/sessions/{id}/terminals/{terminal}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Close the terminal */
        delete: operations["closeTerminal"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Error: {
            /** @description a short code, such as not_found or invalid_request */
            error: string;
            /** @description what went wrong and what to do about it */
            message: string;
            /** @description one line per invalid field */
            details?: string[];
            id?: string;
        };
        Session: {
            id: string;
            /** @enum {string} */
            language: "python" | "node" | "typescript" | "go" | "deno" | "bash" | "c" | "cpp" | "java" | "rust";
            persistent: boolean;
            /** @description seconds: the owner's choice, else the server's configured default as it is now */
            default_timeout: number;
            /**
             * @description session: the owner chose default_timeout; server: it follows the configured default
             * @enum {string}
             */
            default_timeout_source: "session" | "server";
            metadata: {
                [key: string]: unknown;
            };
            entry_file: string | null;
            /** @description what people call the session: its owner's title, or a student's display name on a class copy */
            name: string | null;
            template: boolean;
            /** @description whether share links' visitors may open the session's previews */
            share_previews: boolean;
            forked_from: string | null;
            created_at: string;
            updated_at: string;
            last_active_at: string;
            /** @enum {string} */
            setup_status: "none" | "pending" | "running" | "completed" | "failed";
            /** @description the setup spec, with env values hidden: they are for the setup only */
            setup: {
                [key: string]: unknown;
            } | null;
            setup_result: components["schemas"]["SetupResult"] | null;
            sandbox: {
                /** @enum {string} */
                state: "running" | "hibernated" | "none";
                /** @description when the latest snapshot of the workspace was taken (at hibernation, and in the background while the sandbox runs); null before the first */
                snapshot_at: string | null;
            };
            /** @description set when the session's server stopped answering and another one took it over from its latest snapshot: work after snapshot_at was lost. null when that never happened */
            recovered: {
                /** @description when another server took the session over */
                at: string;
                /** @description the time of the snapshot it came back from; null: it had none and came back without its files */
                snapshot_at: string | null;
                /** @description the server that stopped answering */
                from_node: string;
            } | null;
            /** @description where the sandbox may connect: "none", "registries" or { allow: [...] } */
            egress: "none" | "registries" | {
                allow: string[];
            };
            egress_secrets: {
                host: string;
                header: string;
                https: boolean;
                /** @description the value was sealed under another server key and is not sent; set egress_secrets again */
                unreadable: boolean;
                /** @description why the secret is not sent, for its owner */
                problem: string | null;
            }[];
            /** @description egress since this server started */
            egress_usage: {
                bytes_in: number;
                bytes_out: number;
                connections: number;
                denied: number;
                open: number;
            };
            /** @description whether the running sandbox has the network proxy: off (no sandbox, or egress none), on, or failed with the reason */
            egress_status: {
                /** @enum {string} */
                state: "off" | "on" | "failed";
                problem: string | null;
            };
        };
        SetupResult: {
            /** @enum {string} */
            status: "pending" | "running" | "completed" | "failed";
            success: boolean | null;
            duration_ms: number | null;
            pip_packages: string[];
            npm_packages: string[];
            go_modules: string[];
            commands_run: number;
            error: string | null;
            stdout: string;
            stderr: string;
            steps: {
                /** @enum {string} */
                name: "pip" | "npm" | "go" | "commands";
                /** @enum {string} */
                status: "pending" | "running" | "completed" | "failed" | "skipped";
                started_at: string | null;
                duration_ms: number | null;
                /** @description the last lines of the step's output, live while it runs */
                log: string;
                exit_code: number | null;
            }[];
            layer: {
                key: string;
                bytes: number;
                files: number;
                cache_hit: boolean;
            } | null;
            queued_at: string;
            started_at: string | null;
            finished_at: string | null;
            note: string | null;
        };
        RunResult: {
            run_id: string;
            session_id: string;
            stdout: string;
            stderr: string;
            /**
             * @description base64 when the output is not valid UTF-8
             * @enum {string}
             */
            stdout_encoding: "utf8" | "base64";
            /** @enum {string} */
            stderr_encoding: "utf8" | "base64";
            /** @description 124 when the run timed out */
            exit_code: number;
            timed_out: boolean;
            /** @description output passed the per-stream cap and was cut */
            truncated: boolean;
            /** @description milliseconds */
            duration: number;
            duration_ms: number;
            /** @description what the program showed besides its text (matplotlib's plt.show(), sandpit_display.display(), or files written into $SANDPIT_DISPLAY), in order */
            outputs: {
                /** @enum {string} */
                mime: "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/svg+xml" | "text/html" | "text/markdown" | "text/plain";
                /** @description base64 */
                data: string;
            }[];
            /** @description items left out: past 16 items, 2 MiB each or 8 MiB in all, or of a kind not shown */
            outputs_skipped?: number;
        };
        ExecResult: {
            shell_id: string;
            stdout: string;
            stderr: string;
            /**
             * @description base64 when the output is not valid UTF-8
             * @enum {string}
             */
            stdout_encoding: "utf8" | "base64";
            /** @enum {string} */
            stderr_encoding: "utf8" | "base64";
            /** @description 124 when the run timed out */
            exit_code: number;
            timed_out: boolean;
            /** @description output passed the per-stream cap and was cut */
            truncated: boolean;
            duration_ms: number;
            shell_ended: boolean;
            restarted: boolean;
            message?: string;
        };
        FileEntry: {
            /** @description relative to /workspace */
            path: string;
            /** @enum {string} */
            type: "file" | "directory" | "symlink" | "other";
            size: number;
            mtimeMs: number;
            mode: number;
        };
        ApiKey: {
            id: string;
            name: string;
            prefix: string;
            /** @description requests a minute */
            rate_limit: number;
            created_at: string;
            last_used_at: string | null;
            revoked_at: string | null;
        };
        RunOutputEvent: {
            data: string;
            /** @enum {string} */
            encoding: "utf8" | "base64";
        };
        GetOpenApiResponse: {
            [key: string]: unknown;
        };
        GetLimitsResponse: {
            memory_mb: number;
            cpus: number;
            pids: number;
            tmp_mb: number;
            /** @description null: not bounded */
            workspace_mb: number | null;
            nofile: number;
            fsize_mb: number;
            output_bytes_per_stream: number;
            /** @description seconds; applies to sessions that chose no default_timeout */
            default_run_timeout: number;
            /** @description seconds; the most any run, session or execute may ask for */
            max_run_timeout: number;
            /** @description the largest file written or uploaded through the API */
            file_bytes: number;
            /** @description seconds */
            idle_timeout: number;
            /** @description seconds */
            setup_timeout: number;
            setup_concurrency: number;
            /** @constant */
            network: "none";
        };
        ListKeysResponse: {
            keys: components["schemas"]["ApiKey"][];
        };
        CreateKeyResponse: {
            id: string;
            name: string;
            prefix: string;
            /** @description requests a minute */
            rate_limit: number;
            created_at: string;
            last_used_at: string | null;
            revoked_at: string | null;
            key: string;
        };
        ListNodesResponse: {
            nodes: {
                id: string;
                /** @description the URL other nodes reach it at (SANDPIT_NODE_ADDRESS) */
                address: string;
                /**
                 * @description alive: heartbeat younger than three intervals; stopped: shut down cleanly; lost: heartbeat too old
                 * @enum {string}
                 */
                state: "alive" | "stopped" | "lost";
                /** @description sandboxes it offers to hold (SANDPIT_MAX_SANDBOXES) */
                capacity: number;
                /** @description sandboxes open on it at its last heartbeat */
                sandboxes: number;
                /** @description seconds between its heartbeats */
                heartbeat_interval: number;
                started_at: string;
                heartbeat_at: string;
                stopped_at: string | null;
            }[];
        };
        ListSessionsResponse: {
            sessions: components["schemas"]["Session"][];
        };
        DeleteSessionResponse: {
            /** @constant */
            deleted: true;
            id: string;
        };
        PublishTemplateResponse: {
            template_id: string;
            /** @description the template version now published (1 for the first) */
            version: number;
            /** @description the template's files an update sends */
            files: number;
            /** @description class copies updated or tried */
            copies: number;
            /** @description copies that received at least one file */
            updated: number;
            /** @description files written or removed, over all copies */
            applied: number;
            /** @description files left alone, over all copies */
            conflicts: number;
            /** @description copies that could not be updated */
            failed: number;
            results: {
                session_id: string;
                /** @description the student's name */
                name: string | null;
                /** @description the template's files written to (or removed from) this copy */
                applied: {
                    path: string;
                    /** @enum {string} */
                    action: "added" | "updated" | "removed";
                }[];
                /** @description the files left alone because the student made them theirs */
                conflicts: {
                    path: string;
                    /**
                     * @description edited: the student edited it; deleted: the student deleted it; own_file: the student has a file of their own there; edited_removed: removed from the template, but the student edited it; not_a_file: the student has a folder or link there
                     * @enum {string}
                     */
                    reason: "edited" | "deleted" | "own_file" | "edited_removed" | "not_a_file";
                }[];
                /** @description why this copy could not be updated (others were); publish again to retry */
                error: string | null;
            }[];
        };
        GetClassUpdatesResponse: {
            template_id: string;
            /** @description the last version published; null before the first */
            published: {
                version: number;
                at: string;
                files: number;
            } | null;
            copies: {
                session_id: string;
                /** @description the template version last published to it (0: none yet) */
                version: number;
                /** @enum {string} */
                state: "up to date" | "conflicts" | "failed" | "behind";
                conflicts: {
                    path: string;
                    /**
                     * @description edited: the student edited it; deleted: the student deleted it; own_file: the student has a file of their own there; edited_removed: removed from the template, but the student edited it; not_a_file: the student has a folder or link there
                     * @enum {string}
                     */
                    reason: "edited" | "deleted" | "own_file" | "edited_removed" | "not_a_file";
                }[];
                error: string | null;
                updated_at: string | null;
            }[];
        };
        GetSetupResponse: components["schemas"]["SetupResult"] | null;
        StreamRunDoneEvent: {
            run_id: string;
            exit_code: number;
            duration_ms: number;
            timed_out: boolean;
            truncated: boolean;
        };
        ListRunsResponse: {
            runs: {
                id: string;
                language: string;
                source: string;
                exit_code: number | null;
                duration_ms: number | null;
                timed_out: boolean;
                truncated: boolean;
                created_at: string;
            }[];
        };
        StartRunResponse: {
            run_id: string;
        };
        RunEventsStdoutEvent: {
            seq: number;
            data: string;
        };
        RunEventsGapEvent: {
            from: number;
            to: number;
            bytes?: number;
        };
        RunEventsExitEvent: {
            code: number;
        };
        StopRunResponse: {
            stopped: boolean;
        };
        ExecuteResponse: {
            run_id: string;
            stdout: string;
            stderr: string;
            /**
             * @description base64 when the output is not valid UTF-8
             * @enum {string}
             */
            stdout_encoding: "utf8" | "base64";
            /** @enum {string} */
            stderr_encoding: "utf8" | "base64";
            /** @description 124 when the run timed out */
            exit_code: number;
            timed_out: boolean;
            /** @description output passed the per-stream cap and was cut */
            truncated: boolean;
            /** @description milliseconds */
            duration: number;
            duration_ms: number;
            /** @description what the program showed besides its text (matplotlib's plt.show(), sandpit_display.display(), or files written into $SANDPIT_DISPLAY), in order */
            outputs: {
                /** @enum {string} */
                mime: "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/svg+xml" | "text/html" | "text/markdown" | "text/plain";
                /** @description base64 */
                data: string;
            }[];
            /** @description items left out: past 16 items, 2 MiB each or 8 MiB in all, or of a kind not shown */
            outputs_skipped?: number;
        };
        CreateShellResponse: {
            shell_id: string;
        };
        ListShellsResponse: {
            shells: {
                shell_id: string;
                alive: boolean;
                busy: boolean;
                cwd: string | null;
            }[];
        };
        DeleteShellResponse: {
            /** @constant */
            deleted: true;
            shell_id: string;
        };
        ListFilesResponse: {
            files: components["schemas"]["FileEntry"][];
        };
        ReadFileResponse: {
            path: string;
            size: number;
            mode: number;
            /**
             * @description base64 when the file is not valid UTF-8
             * @enum {string}
             */
            encoding: "utf8" | "base64";
            content: string;
        };
        DeleteFileResponse: {
            /** @constant */
            deleted: true;
            path: string;
        };
        UploadArchiveResponse: {
            files: number;
        };
        ListPortsResponse: {
            ports: {
                port: number;
                /** @description opens the preview: follow its redirect, keeping the cookie it sets */
                url: string;
                /** @description the preview's own origin, <port>--<label>.<preview domain> */
                origin: string;
            }[];
        };
        GetAssignmentResponse: {
            session_id: string;
            command: string | null;
            files: {
                path: string;
                content: string;
                bytes: number;
            }[];
            /** @enum {string} */
            feedback: "results" | "messages" | "output";
            timeout_seconds: number;
            deadline: string | null;
            updated_at: string | null;
        };
        GetClassReadinessResponse: {
            /** @description how many are kept ready (the pool's maximum bounds the count asked for); 0 when none was asked or it expired */
            students: number;
            /** @description how many are ready now */
            ready: number;
        };
        RunCheckResponse: {
            id: string;
            session_id: string;
            /**
             * @description error: the tests could not run (see problem)
             * @enum {string}
             */
            status: "passed" | "failed" | "error";
            passed: number;
            failed: number;
            skipped: number;
            tests: {
                name: string;
                /** @enum {string} */
                status: "passed" | "failed" | "skipped";
                /** @description why it failed, when the teacher lets students see it */
                message: string | null;
            }[];
            /** @description what the tests printed: the teacher's, and students' when feedback is output */
            output: string | null;
            problem: string | null;
            duration_ms: number;
            created_at: string;
        };
        ListChecksResponse: {
            /** @description whether the caller can check this session */
            available: boolean;
            deadline: string | null;
            /** @description the deadline passed: the student's copy is read-only */
            closed: boolean;
            feedback: ("results" | "messages" | "output") | null;
            latest: components["schemas"]["RunCheckResponse"] | null;
            checks: components["schemas"]["RunCheckResponse"][];
        };
        OpenTerminalResponse: {
            terminal_id: string;
        };
        CloseTerminalResponse: {
            /** @constant */
            deleted: true;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getOpenApi: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the OpenAPI 3.1 document */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GetOpenApiResponse"];
                };
            };
        };
    };
    getLimits: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the limits */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GetLimitsResponse"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listKeys: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the keys */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListKeysResponse"];
                };
            };
            /** @description administration needs the token in the data folder */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createKey: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    rate_limit?: number;
                };
            };
        };
        responses: {
            /** @description the new key */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreateKeyResponse"];
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description administration needs the token in the data folder */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body (or the file) is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    revokeKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the key's id or prefix */
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the revoked key */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKey"];
                };
            };
            /** @description administration needs the token in the data folder */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listNodes: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the nodes, alive ones first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListNodesResponse"];
                };
            };
            /** @description administration needs the token in the data folder */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listSessions: {
        parameters: {
            query?: {
                /** @description how many, 1 to 200 (default 50) */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the sessions */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListSessionsResponse"];
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createSession: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    language: string;
                    session_id?: string;
                    /** @default true */
                    persistent?: boolean;
                    setup?: {
                        pip?: string[] | {
                            requirements: string;
                        };
                        npm?: string[] | {
                            package_json: {
                                dependencies?: {
                                    [key: string]: string;
                                };
                                devDependencies?: {
                                    [key: string]: string;
                                };
                            } & {
                                [key: string]: unknown;
                            };
                        };
                        go?: string[];
                        commands?: string[];
                        envs?: {
                            [key: string]: string;
                        };
                    };
                    default_timeout?: number | null;
                    metadata?: {
                        [key: string]: unknown;
                    };
                    entry_file?: string | null;
                    name?: string | null;
                    egress?: "none" | "registries" | {
                        allow: string[];
                    };
                    egress_secrets?: {
                        host: string;
                        header: string;
                        value: string;
                        /** @default true */
                        https?: boolean;
                    }[];
                };
            };
        };
        responses: {
            /** @description the new session */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Session"];
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a conflict: the id is taken, or the target exists */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body (or the file) is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a part of Sandpit is down; see /api/health */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getSession: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the session */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Session"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteSession: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description deleted */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeleteSessionResponse"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a part of Sandpit is down; see /api/health */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    updateSession: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    default_timeout?: number | null;
                    metadata?: {
                        [key: string]: unknown;
                    };
                    entry_file?: string | null;
                    name?: string | null;
                    persistent?: boolean;
                    template?: boolean;
                    share_previews?: boolean;
                    egress?: "none" | "registries" | {
                        allow: string[];
                    };
                    egress_secrets?: {
                        host: string;
                        header: string;
                        value: string;
                        /** @default true */
                        https?: boolean;
                    }[];
                };
            };
        };
        responses: {
            /** @description the session */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Session"];
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body (or the file) is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    duplicateSession: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    id?: string;
                };
            };
        };
        responses: {
            /** @description the fork */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Session"];
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a conflict: the id is taken, or the target exists */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body (or the file) is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a part of Sandpit is down; see /api/health */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    publishTemplate: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description what each copy received, and what was left alone */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PublishTemplateResponse"];
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body (or the file) is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a part of Sandpit is down; see /api/health */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getClassUpdates: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the copies' update states */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GetClassUpdatesResponse"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getSetup: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the setup */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GetSetupResponse"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    editSetup: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    pip?: string[] | {
                        requirements: string;
                    };
                    npm?: string[] | {
                        package_json: {
                            dependencies?: {
                                [key: string]: string;
                            };
                            devDependencies?: {
                                [key: string]: string;
                            };
                        } & {
                            [key: string]: unknown;
                        };
                    };
                    go?: string[];
                    commands?: string[];
                    envs?: {
                        [key: string]: string;
                    };
                };
            };
        };
        responses: {
            /** @description the new setup, queued (or completed from a stored layer) */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SetupResult"];
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a conflict: the id is taken, or the target exists */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body (or the file) is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    retrySetup: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the setup, queued */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SetupResult"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a conflict: the id is taken, or the target exists */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    runCode: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    code?: string;
                    file?: string;
                    language?: string;
                    args?: string[];
                    stdin?: string;
                    env?: {
                        [key: string]: string;
                    };
                    timeout?: number;
                    serve?: boolean;
                };
            };
        };
        responses: {
            /** @description the run's result */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunResult"];
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a conflict: the id is taken, or the target exists */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body (or the file) is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a part of Sandpit is down; see /api/health */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    streamRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    code?: string;
                    file?: string;
                    language?: string;
                    args?: string[];
                    stdin?: string;
                    env?: {
                        [key: string]: string;
                    };
                    timeout?: number;
                    serve?: boolean;
                };
            };
        };
        responses: {
            /** @description the run's output as it happens */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a conflict: the id is taken, or the target exists */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body (or the file) is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a part of Sandpit is down; see /api/health */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listRuns: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the runs, newest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListRunsResponse"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    startRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    code?: string;
                    file?: string;
                    language?: string;
                    args?: string[];
                    stdin?: string;
                    env?: {
                        [key: string]: string;
                    };
                    timeout?: number;
                    serve?: boolean;
                };
            };
        };
        responses: {
            /** @description the run, started */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StartRunResponse"];
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a conflict: the id is taken, or the target exists */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body (or the file) is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a part of Sandpit is down; see /api/health */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    runStdin: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
                /** @description the run's id */
                run: string;
            };
            cookie?: never;
        };
        /** @description the bytes to type */
        requestBody: {
            content: {
                "application/octet-stream": string;
            };
        };
        responses: {
            /** @description sent */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a conflict: the id is taken, or the target exists */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body (or the file) is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    runEvents: {
        parameters: {
            query?: {
                /** @description the last seq seen */
                after?: string;
            };
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
                /** @description the run's id */
                run: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description stdout (base64) with its seq as the event id, gap when output fell out of the replay buffer, exit */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    stopRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
                /** @description the run's id */
                run: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description whether the run was still going */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StopRunResponse"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    execute: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    language: string;
                    code: string;
                    args?: string[];
                    stdin?: string;
                    env?: {
                        [key: string]: string;
                    };
                    timeout?: number;
                };
            };
        };
        responses: {
            /** @description the run's result */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExecuteResponse"];
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body (or the file) is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a part of Sandpit is down; see /api/health */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    exec: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    command: string;
                    shell_id?: string;
                    cwd?: string;
                    env?: {
                        [key: string]: string;
                    };
                    timeout?: number;
                };
            };
        };
        responses: {
            /** @description the command's result */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExecResult"];
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a conflict: the id is taken, or the target exists */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body (or the file) is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a part of Sandpit is down; see /api/health */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listShells: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the shells */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListShellsResponse"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createShell: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    shell_id?: string;
                };
            };
        };
        responses: {
            /** @description the shell */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreateShellResponse"];
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a conflict: the id is taken, or the target exists */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body (or the file) is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a part of Sandpit is down; see /api/health */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteShell: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
                /** @description the shell's id */
                shell: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description deleted */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeleteShellResponse"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listFiles: {
        parameters: {
            query?: {
                /** @description the folder to list */
                path?: string;
                recursive?: "true" | "false";
            };
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the files */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListFilesResponse"];
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a part of Sandpit is down; see /api/health */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    readFile: {
        parameters: {
            query?: {
                format?: "raw" | "json";
            };
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
                /** @description a path inside /workspace */
                path: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the file */
            200: {
                headers: {
                    /** @description the file's mode in octal (raw answers) */
                    "x-file-mode"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReadFileResponse"];
                    "application/octet-stream": string;
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body (or the file) is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a part of Sandpit is down; see /api/health */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    writeFile: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
                /** @description a path inside /workspace */
                path: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    content: string;
                    /**
                     * @default utf8
                     * @enum {string}
                     */
                    encoding?: "utf8" | "base64";
                    mode?: number;
                };
                "application/octet-stream": string;
            };
        };
        responses: {
            /** @description the file */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FileEntry"];
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a conflict: the id is taken, or the target exists */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body (or the file) is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a part of Sandpit is down; see /api/health */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteFile: {
        parameters: {
            query?: {
                recursive?: "true" | "false";
            };
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
                /** @description a path inside /workspace */
                path: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description deleted */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeleteFileResponse"];
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a conflict: the id is taken, or the target exists */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a part of Sandpit is down; see /api/health */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    makeDirectory: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    path: string;
                };
            };
        };
        responses: {
            /** @description the folder */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FileEntry"];
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a conflict: the id is taken, or the target exists */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body (or the file) is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a part of Sandpit is down; see /api/health */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    moveFile: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    from: string;
                    to: string;
                };
            };
        };
        responses: {
            /** @description the moved entry */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FileEntry"];
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a conflict: the id is taken, or the target exists */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body (or the file) is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a part of Sandpit is down; see /api/health */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    downloadArchive: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the workspace */
            200: {
                headers: {
                    /** @description attachment; filename="<id>.tar.gz" */
                    "content-disposition"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/gzip": string;
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a part of Sandpit is down; see /api/health */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    uploadArchive: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        /** @description a tar.gz */
        requestBody: {
            content: {
                "application/gzip": string;
            };
        };
        responses: {
            /** @description how many files were unpacked */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UploadArchiveResponse"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body (or the file) is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a part of Sandpit is down; see /api/health */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listPorts: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the listening ports, lowest first; none while the sandbox is not running */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListPortsResponse"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description administration needs the token in the data folder */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getAssignment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the assignment (empty when none was set) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GetAssignmentResponse"];
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    setAssignment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    command?: string | null;
                    files?: {
                        path: string;
                        content: string;
                    }[];
                    /** @enum {string} */
                    feedback?: "results" | "messages" | "output";
                    timeout_seconds?: number;
                    deadline?: string | null;
                };
            };
        };
        responses: {
            /** @description the assignment */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GetAssignmentResponse"];
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body (or the file) is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getClassReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the class's readiness */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GetClassReadinessResponse"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    prepareClass: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description how many students are expected */
                    students: number;
                    /** @description how long to keep them ready (default 30) */
                    minutes?: number;
                };
            };
        };
        responses: {
            /** @description the class's readiness */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GetClassReadinessResponse"];
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body (or the file) is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listChecks: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description status and checks */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ListChecksResponse"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description administration needs the token in the data folder */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    runCheck: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the check */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunCheckResponse"];
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description administration needs the token in the data folder */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a part of Sandpit is down; see /api/health */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    openTerminal: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    shell_id?: string;
                    /** @default 80 */
                    cols?: number;
                    /** @default 24 */
                    rows?: number;
                };
            };
        };
        responses: {
            /** @description the terminal */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenTerminalResponse"];
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a conflict: the id is taken, or the target exists */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body (or the file) is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description a part of Sandpit is down; see /api/health */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    terminalOutput: {
        parameters: {
            query?: {
                /** @description the last seq seen */
                after?: string;
            };
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
                /** @description the terminal's id */
                terminal: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description data (base64) with its seq as the event id, gap when output was dropped, exit */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    terminalInput: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
                /** @description the terminal's id */
                terminal: string;
            };
            cookie?: never;
        };
        /** @description the bytes to type */
        requestBody: {
            content: {
                "application/octet-stream": string;
            };
        };
        responses: {
            /** @description sent */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body (or the file) is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    resizeTerminal: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
                /** @description the terminal's id */
                terminal: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /** @default 80 */
                    cols?: number;
                    /** @default 24 */
                    rows?: number;
                };
            };
        };
        responses: {
            /** @description resized */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description invalid input; `details` names each field */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description the body (or the file) is too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description send the body as application/json */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    closeTerminal: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the session's id */
                id: string;
                /** @description the terminal's id */
                terminal: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description closed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CloseTerminalResponse"];
                };
            };
            /** @description an API key is needed or was not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no such session (or file, shell, terminal or key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate limit reached; see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
}
