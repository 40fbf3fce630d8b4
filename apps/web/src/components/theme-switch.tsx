"use client";
import { useTheme } from "next-themes";
import { useEffect, useState } from "react";

const OPTIONS = [
  { value: "light", label: "Light", icon: "☀" },
  { value: "dark", label: "Dark", icon: "☾" },
  { value: "system", label: "System", icon: "◐" },
] as const;

export function ThemeSwitch() {
  const { theme, setTheme } = useTheme();
  // The stored choice is known only in the browser; render neutral until then.
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  return (
    <fieldset
      aria-label="Theme"
      className="flex items-center rounded-lg border border-zinc-200 bg-zinc-100 p-0.5 text-xs dark:border-zinc-700 dark:bg-zinc-800"
    >
      {OPTIONS.map((option) => {
        const active = mounted && theme === option.value;
        return (
          <button
            key={option.value}
            type="button"
            aria-pressed={active}
            title={`${option.label} theme`}
            onClick={() => setTheme(option.value)}
            className={`rounded-md px-2 py-1 transition-colors ${
              active
                ? "bg-white text-zinc-900 shadow-sm dark:bg-zinc-600 dark:text-white"
                : "text-zinc-500 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-white"
            }`}
          >
            <span aria-hidden="true" className="sm:mr-1">
              {option.icon}
            </span>
            <span className="sr-only sm:not-sr-only">{option.label}</span>
          </button>
        );
      })}
    </fieldset>
  );
}
