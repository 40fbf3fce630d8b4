import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { auth } from "@/auth";
import { RegisterForm } from "@/components/auth/register-form";
import { Card } from "@/components/ui/card";

export const metadata: Metadata = { title: "Create an account" };

export default async function RegisterPage() {
  if (await auth()) redirect("/dashboard");
  return (
    <div className="mx-auto max-w-sm">
      <h1 className="mb-2 text-2xl font-semibold tracking-tight">Create your account</h1>
      <p className="mb-6 text-sm text-zinc-600 dark:text-zinc-400">You start with a paper balance to trade with.</p>
      <Card>
        <RegisterForm />
      </Card>
    </div>
  );
}
