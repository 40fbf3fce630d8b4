import type { FastifyInstance, FastifyTypeProvider } from "fastify";
import type { z } from "zod";

/** Lets routes declare zod schemas for body, query and params, and types the request from them. */
export interface ZodTypeProvider extends FastifyTypeProvider {
  validator: this["schema"] extends z.ZodType ? z.output<this["schema"]> : unknown;
  serializer: this["schema"] extends z.ZodType ? z.input<this["schema"]> : unknown;
}

export function useZodValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema }) => (data) => {
    const result = (schema as z.ZodType).safeParse(data);
    // The ZodError travels to the error handler, which turns it into field messages.
    return result.success ? { value: result.data } : { error: result.error };
  });
}
