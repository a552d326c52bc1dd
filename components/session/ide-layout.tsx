"use client";

import { useState, useSyncExternalStore, type ReactNode } from "react";
import { Group, Panel, Separator, useDefaultLayout, usePanelRef } from "react-resizable-panels";

/** Below this width the IDE shows one area at a time, chosen by tabs (phones, narrow windows). */
const WIDE_QUERY = "(min-width: 1024px)";
const TERMINAL_OPEN_KEY = "sandpit:ide:terminal-open";
const PHONE_AREA_KEY = "sandpit:ide:phone-area";

function subscribeWidth(onChange: () => void): () => void {
  const query = window.matchMedia(WIDE_QUERY);
  query.addEventListener("change", onChange);
  return () => query.removeEventListener("change", onChange);
}

/** Whether the window is wide enough for side-by-side panes; null while rendering on the server. */
function useWide(): boolean | null {
  return useSyncExternalStore(
    subscribeWidth,
    () => window.matchMedia(WIDE_QUERY).matches,
    () => null,
  );
}

function remembered(key: string, fallback: string): string {
  try {
    return window.localStorage.getItem(key) ?? fallback;
  } catch {
    return fallback;
  }
}

function remember(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // storage full or refused: the layout is simply not remembered
  }
}

const handle =
  "relative shrink-0 bg-stone-200 outline-none transition-colors hover:bg-sand-400 focus-visible:bg-sand-500 data-[separator=active]:bg-sand-500 dark:bg-stone-800";

export interface IdeAreas {
  files: ReactNode;
  editor: ReactNode;
  /** Output and previews. */
  side: ReactNode;
  terminal: ReactNode;
}

/**
 * The IDE's areas filling the window: files | editor | output and preview side by side, with a
 * terminal drawer below; every divider drags (or moves with the arrow keys once focused), and the
 * sizes and the drawer's state are remembered in this browser. Narrow windows get one area at a
 * time, chosen by tabs.
 */
export function IdeLayout({ areas, terminalLabel }: { areas: IdeAreas; terminalLabel: string }): ReactNode {
  const wide = useWide();
  if (wide === null) return <div className="min-h-0 flex-1" />;
  return wide ? <WideLayout areas={areas} terminalLabel={terminalLabel} /> : <NarrowLayout areas={areas} />;
}

function WideLayout({ areas, terminalLabel }: { areas: IdeAreas; terminalLabel: string }): ReactNode {
  const columns = useDefaultLayout({ id: "sandpit-ide-columns" });
  const rows = useDefaultLayout({ id: "sandpit-ide-rows" });
  const terminal = usePanelRef();
  const [terminalOpen, setTerminalOpen] = useState(() => remembered(TERMINAL_OPEN_KEY, "true") === "true");
  const toggleTerminal = (): void => {
    const open = !terminalOpen;
    setTerminalOpen(open);
    remember(TERMINAL_OPEN_KEY, String(open));
    if (open) terminal.current?.expand();
    else terminal.current?.collapse();
  };
  return (
    <Group
      orientation="vertical"
      id="sandpit-ide-rows"
      defaultLayout={rows.defaultLayout}
      onLayoutChanged={rows.onLayoutChanged}
      className="min-h-0 flex-1"
      data-testid="ide-layout"
    >
      <Panel id="work" minSize="25%">
        <Group
          orientation="horizontal"
          id="sandpit-ide-columns"
          defaultLayout={columns.defaultLayout}
          onLayoutChanged={columns.onLayoutChanged}
          className="h-full"
        >
          <Panel id="files" defaultSize="16%" minSize="8%" className="min-w-0" data-testid="files-pane">
            <div className="h-full overflow-auto pr-1">{areas.files}</div>
          </Panel>
          <Separator className={`${handle} mx-0.5 w-1 rounded`} aria-label="Resize the file tree" />
          <Panel id="editor" defaultSize="50%" minSize="20%" className="min-w-0" data-testid="editor-pane">
            <div className="flex h-full min-h-0 flex-col px-1">{areas.editor}</div>
          </Panel>
          <Separator className={`${handle} mx-0.5 w-1 rounded`} aria-label="Resize the editor and the output" />
          <Panel id="side" defaultSize="34%" minSize="15%" className="min-w-0" data-testid="side-pane">
            <div className="flex h-full min-h-0 flex-col pl-1">{areas.side}</div>
          </Panel>
        </Group>
      </Panel>
      <Separator className={`${handle} my-0.5 h-1 rounded`} aria-label="Resize the terminal drawer" />
      <Panel
        id="terminal"
        panelRef={terminal}
        defaultSize={terminalOpen ? "30%" : "2.5rem"}
        minSize="12%"
        collapsible
        collapsedSize="2.5rem"
        onResize={(size) => {
          const open = size.inPixels > 48;
          if (open !== terminalOpen) {
            setTerminalOpen(open);
            remember(TERMINAL_OPEN_KEY, String(open));
          }
        }}
        data-testid="ide-terminal-drawer"
      >
        <div className="flex h-full min-h-0 flex-col">
          <button
            type="button"
            onClick={toggleTerminal}
            aria-expanded={terminalOpen}
            className="flex h-8 shrink-0 items-center gap-2 px-2 text-left text-xs font-semibold text-stone-700 dark:text-stone-300"
          >
            <span aria-hidden>{terminalOpen ? "▾" : "▸"}</span> {terminalLabel}
          </button>
          <div className={`${terminalOpen ? "block" : "hidden"} min-h-0 flex-1 overflow-auto`}>{areas.terminal}</div>
        </div>
      </Panel>
    </Group>
  );
}

const AREAS = [
  ["files", "Files"],
  ["editor", "Editor"],
  ["side", "Output"],
  ["terminal", "Terminal"],
] as const;
type Area = (typeof AREAS)[number][0];

function NarrowLayout({ areas }: { areas: IdeAreas }): ReactNode {
  const [area, setArea] = useState<Area>(() => {
    const kept = remembered(PHONE_AREA_KEY, "editor");
    return AREAS.some(([id]) => id === kept) ? (kept as Area) : "editor";
  });
  const choose = (next: Area): void => {
    setArea(next);
    remember(PHONE_AREA_KEY, next);
  };
  return (
    <div className="flex min-h-0 flex-1 flex-col gap-2" data-testid="ide-layout-narrow">
      <div role="tablist" aria-label="IDE areas" className="grid shrink-0 grid-cols-4 gap-1 text-sm">
        {AREAS.map(([id, label]) => (
          <button
            key={id}
            type="button"
            role="tab"
            id={`area-tab-${id}`}
            aria-selected={area === id}
            aria-controls={`area-${id}`}
            onClick={() => choose(id)}
            className={`rounded-md px-2 py-1.5 ${area === id ? "bg-stone-200 font-semibold dark:bg-stone-700" : "text-stone-600 dark:text-stone-300"}`}
          >
            {label}
          </button>
        ))}
      </div>
      {AREAS.map(([id]) => (
        // Every area stays mounted (terminals and editors keep their state); only the chosen one shows.
        <div
          key={id}
          role="tabpanel"
          id={`area-${id}`}
          aria-labelledby={`area-tab-${id}`}
          hidden={area !== id}
          className={`${area === id ? "flex" : "hidden"} min-h-0 flex-1 flex-col overflow-auto`}
        >
          {areas[id]}
        </div>
      ))}
    </div>
  );
}
