import type { ReactNode } from "react";

export function Card({
  title,
  children,
  className = "",
}: {
  title?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <section
      className={`rounded-xl border border-zinc-200 bg-white p-6 shadow-sm dark:border-zinc-800 dark:bg-zinc-900 ${className}`}
    >
      {title && <h2 className="mb-4 text-sm font-medium text-zinc-500 dark:text-zinc-400">{title}</h2>}
      {children}
    </section>
  );
}
