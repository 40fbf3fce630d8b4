/** A signed percentage, green when up, red when down; the sign comes from the string, not a float. */
export function PriceChange({ percent }: { percent: string }) {
  const negative = percent.startsWith("-");
  const zero = /^-?0(\.0+)?$/.test(percent);
  const color = zero
    ? "text-zinc-500"
    : negative
      ? "text-red-600 dark:text-red-400"
      : "text-emerald-600 dark:text-emerald-400";
  return <span className={`tabular-nums ${color}`}>{`${negative || zero ? "" : "+"}${percent}%`}</span>;
}
