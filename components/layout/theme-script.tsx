import type { ReactNode } from "react";

// Runs before paint so the page never flashes the wrong theme.
const script = `(function(){try{var t=localStorage.getItem("sandpit-theme");var d=t?t==="dark":matchMedia("(prefers-color-scheme: dark)").matches;document.documentElement.classList.toggle("dark",d);}catch(e){}})();`;

export function ThemeScript(): ReactNode {
  return <script dangerouslySetInnerHTML={{ __html: script }} />;
}
