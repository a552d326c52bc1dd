"use client";

import { useSyncExternalStore, type ReactNode } from "react";

function subscribe(onChange: () => void): () => void {
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ["class"] });
  return () => observer.disconnect();
}

const isDark = (): boolean => document.documentElement.classList.contains("dark");

export function ThemeToggle(): ReactNode {
  const dark = useSyncExternalStore(subscribe, isDark, () => false);
  const next = dark ? "light" : "dark";
  return (
    <button
      type="button"
      onClick={() => {
        document.documentElement.classList.toggle("dark", next === "dark");
        localStorage.setItem("sandpit-theme", next);
      }}
      className="rounded-md border border-stone-300 px-2.5 py-1.5 text-sm text-stone-700 hover:bg-stone-100 dark:border-stone-700 dark:text-stone-300 dark:hover:bg-stone-800"
      aria-label={`Switch to ${next} theme`}
      title={`Switch to ${next} theme`}
    >
      <span aria-hidden="true">{dark ? "☀" : "☾"}</span>
      <span className="ml-1.5">{dark ? "Light" : "Dark"}</span>
    </button>
  );
}
