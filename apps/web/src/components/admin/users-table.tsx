"use client";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { ListUsersResponse } from "@tradeboard/contracts";
import Link from "next/link";
import { ApiError, apiRequest } from "@/lib/api";

const PAGE_SIZE = 20;

export function UsersTable({ page }: { page: number }) {
  const { data, error, isPending, isFetching } = useQuery({
    queryKey: ["admin-users", page],
    queryFn: ({ signal }) => apiRequest<ListUsersResponse>(`/api/users?page=${page}&pageSize=${PAGE_SIZE}`, { signal }),
    placeholderData: keepPreviousData,
  });

  if (error) {
    const message =
      error instanceof ApiError && error.status === 403 ? "You need administrator rights to see users." : error.message;
    return (
      <p role="alert" className="text-sm text-red-600 dark:text-red-400">
        {message}
      </p>
    );
  }
  if (isPending) return <p className="text-sm text-zinc-500">Loading users…</p>;

  const pages = Math.max(1, Math.ceil(data.total / data.pageSize));
  return (
    <div className={isFetching ? "opacity-70 transition-opacity" : ""}>
      <div className="overflow-x-auto rounded-xl border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
        <table className="w-full text-left text-sm">
          <thead className="border-b border-zinc-200 text-xs uppercase text-zinc-500 dark:border-zinc-800">
            <tr>
              <th className="px-4 py-3 font-medium">Name</th>
              <th className="px-4 py-3 font-medium">Email</th>
              <th className="px-4 py-3 font-medium">Role</th>
              <th className="px-4 py-3 font-medium">Joined</th>
            </tr>
          </thead>
          <tbody>
            {data.users.map((user) => (
              <tr key={user.id} className="border-b border-zinc-100 last:border-0 dark:border-zinc-800">
                <td className="px-4 py-2.5 font-medium">{user.name}</td>
                <td className="px-4 py-2.5 text-zinc-600 dark:text-zinc-400">
                  {user.email ?? <span className="text-zinc-400 italic">wallet sign-in</span>}
                </td>
                <td className="px-4 py-2.5">
                  <span
                    className={`rounded-full px-2 py-0.5 text-xs ${
                      user.role === "admin"
                        ? "bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200"
                        : "bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300"
                    }`}
                  >
                    {user.role}
                  </span>
                </td>
                <td className="px-4 py-2.5 tabular-nums text-zinc-600 dark:text-zinc-400">
                  {new Date(user.createdAt).toISOString().slice(0, 10)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav aria-label="Pagination" className="mt-4 flex items-center justify-between text-sm">
        <span className="text-zinc-600 dark:text-zinc-400">
          Page {data.page} of {pages} · {data.total} users
        </span>
        <div className="flex gap-2">
          <PageLink page={page - 1} disabled={page <= 1}>
            ← Previous
          </PageLink>
          <PageLink page={page + 1} disabled={page >= pages}>
            Next →
          </PageLink>
        </div>
      </nav>
    </div>
  );
}

function PageLink({ page, disabled, children }: { page: number; disabled: boolean; children: React.ReactNode }) {
  const className = "rounded-md border border-zinc-300 px-3 py-1.5 dark:border-zinc-700";
  if (disabled) return <span className={`${className} cursor-not-allowed opacity-40`}>{children}</span>;
  return (
    <Link href={`/admin/users?page=${page}`} className={`${className} hover:bg-zinc-100 dark:hover:bg-zinc-800`}>
      {children}
    </Link>
  );
}
