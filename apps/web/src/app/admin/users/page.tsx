import type { Metadata } from "next";
import { UsersTable } from "@/components/admin/users-table";
import { QueryProvider } from "@/components/query-provider";
import { requireSession } from "@/lib/session";

export const metadata: Metadata = { title: "Users" };

export default async function AdminUsersPage({ searchParams }: { searchParams: Promise<{ page?: string }> }) {
  await requireSession("/admin/users");
  const requested = Number.parseInt((await searchParams).page ?? "1", 10);
  const page = Number.isSafeInteger(requested) && requested > 0 ? requested : 1;
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold tracking-tight">Users</h1>
      <QueryProvider>
        <UsersTable page={page} />
      </QueryProvider>
    </div>
  );
}
