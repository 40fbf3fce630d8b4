"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { EndSessionsResponse, ListSessionsResponse } from "@tradeboard/contracts";
import { ApiError, apiRequest } from "@/lib/api";
import { describeUserAgent } from "@/lib/user-agent";

const SESSIONS_KEY = ["sessions"] as const;

function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** Settings → Sessions: where this account is signed in; end one, or all the others. */
export function SessionsList() {
  const queryClient = useQueryClient();
  const sessions = useQuery({
    queryKey: SESSIONS_KEY,
    queryFn: ({ signal }) => apiRequest<ListSessionsResponse>("/api/users/me/sessions", { signal }),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: SESSIONS_KEY });
  const endOne = useMutation({
    mutationFn: (id: string) => apiRequest<unknown>(`/api/users/me/sessions/${id}`, { method: "DELETE" }),
    onSettled: refresh,
  });
  const endOthers = useMutation({
    mutationFn: () => apiRequest<EndSessionsResponse>("/api/users/me/sessions/end-others", { method: "POST" }),
    onSettled: refresh,
  });
  const list = sessions.data?.sessions ?? [];
  const others = list.filter((s) => !s.current).length;
  const error = endOne.error ?? endOthers.error ?? sessions.error;
  return (
    <div className="space-y-3 text-sm">
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div>
          <h2 className="font-medium">Sessions</h2>
          <p className="mt-1 text-xs text-zinc-500">
            Where your account is signed in. Ending a session signs it out at once.
          </p>
        </div>
        <button
          type="button"
          disabled={others === 0 || endOthers.isPending}
          onClick={() => endOthers.mutate()}
          className="rounded-md border border-zinc-300 px-3 py-1.5 text-xs font-medium hover:bg-zinc-100 disabled:opacity-50 dark:border-zinc-700 dark:hover:bg-zinc-800"
        >
          End all other sessions
        </button>
      </div>
      {sessions.isPending ? (
        <p className="text-xs text-zinc-500">Loading…</p>
      ) : (
        <ul className="divide-y divide-zinc-200 rounded-md border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800">
          {list.map((session) => (
            <li key={session.id} className="flex items-center gap-3 px-3 py-2" data-testid="session">
              <div className="min-w-0 flex-1">
                <p className="font-medium">
                  {describeUserAgent(session.userAgent)}
                  {session.current && (
                    <span className="ml-2 rounded bg-emerald-100 px-1.5 py-0.5 text-xs font-normal text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300">
                      this browser
                    </span>
                  )}
                </p>
                <p className="text-xs text-zinc-500">
                  Signed in {when(session.createdAt)} · last seen {when(session.lastSeenAt)}
                </p>
              </div>
              {!session.current && (
                <button
                  type="button"
                  disabled={endOne.isPending}
                  onClick={() => endOne.mutate(session.id)}
                  className="rounded-md border border-zinc-300 px-2 py-1 text-xs font-medium hover:bg-zinc-100 disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-zinc-800"
                >
                  End
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {endOthers.data && (
        <p role="status" className="text-xs text-zinc-500">
          {endOthers.data.ended === 1 ? "1 other session was" : `${endOthers.data.ended} other sessions were`} signed
          out.
        </p>
      )}
      {error && (
        <p role="alert" className="text-red-600 dark:text-red-400">
          {error instanceof ApiError ? error.message : "That did not work. Please try again."}
        </p>
      )}
    </div>
  );
}
