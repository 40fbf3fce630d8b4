import type { Metadata } from "next";
import { RequestResetForm, ResetPasswordForm } from "@/components/auth/reset-password-forms";
import { Card } from "@/components/ui/card";

export const metadata: Metadata = { title: "Reset your password" };

export default async function ResetPasswordPage({
  searchParams,
}: {
  searchParams: Promise<{ token?: string; email?: string }>;
}) {
  const { token, email } = await searchParams;
  const fromLink = typeof token === "string" && typeof email === "string" && token && email;
  return (
    <div className="mx-auto max-w-sm">
      <h1 className="mb-6 text-2xl font-semibold tracking-tight">
        {fromLink ? "Choose a new password" : "Reset your password"}
      </h1>
      <Card>{fromLink ? <ResetPasswordForm email={email} token={token} /> : <RequestResetForm />}</Card>
    </div>
  );
}
