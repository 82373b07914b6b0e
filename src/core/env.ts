/**
 * @module The server's environment variables, in one zod schema: each is checked at start, and a
 * bad one is one error naming the variable, its value and what it may be. An empty variable counts
 * as unset (as `VAR= trainyard server` means in a shell).
 */
import { z } from 'zod';

const text = z.string().min(1);
const port = z
  .string()
  .regex(/^\d+$/, 'must be a whole number between 0 and 65535')
  .refine((v) => Number(v) <= 65535, 'must be a whole number between 0 and 65535');

export const ServerEnvSchema = z.object({
  TRAINYARD_HOST: text.optional(),
  TRAINYARD_PORT: port.optional(),
  TRAINYARD_HOME: text.optional(),
  TRAINYARD_DB: text.optional(),
  TRAINYARD_ARTIFACTS: text.optional(),
  TRAINYARD_AUTH: z.enum(['true', 'false'], { message: 'must be true or false' }).optional(),
  TRAINYARD_DEFAULT_PERMISSION: z.enum(['READ', 'EDIT', 'MANAGE', 'NO_PERMISSIONS'], { message: 'must be READ, EDIT, MANAGE or NO_PERMISSIONS' }).optional(),
  TRAINYARD_ADMIN_USERNAME: text.optional(),
  TRAINYARD_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  TRAINYARD_METRIC_GROUP_COMMIT: z.enum(['on', 'off'], { message: 'must be on or off' }).optional(),
  // Points of one series a log-batch needs to be stored as one packed chunk (src/tracking/metric-chunks.ts).
  TRAINYARD_METRIC_CHUNK_MIN: z
    .string()
    .regex(/^(off|\d+)$/, 'must be off or a whole number of at least 2')
    .refine((v) => v === 'off' || Number(v) >= 2, 'must be off or a whole number of at least 2')
    .optional(),
  TRAINYARD_MODEL_CACHE: text.optional(),
  // Checked in full by the config schema (it names the flag too); here they only need to be read.
  TRAINYARD_PUBLIC_URL: text.optional(),
  TRAINYARD_ALLOWED_HOSTS: text.optional(),
  TRAINYARD_CORS_ORIGINS: text.optional(),
  TRAINYARD_ALLOWED_ARTIFACT_ROOTS: text.optional(),
  TRAINYARD_WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' }).optional(),
});

export type ServerEnv = z.infer<typeof ServerEnvSchema>;

/** The server's variables from `env`, validated; throws one error naming the first bad variable. */
export function readServerEnv(env: NodeJS.ProcessEnv = process.env): ServerEnv {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(ServerEnvSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') picked[key] = v;
  }
  const parsed = ServerEnvSchema.safeParse(picked);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    const shown = name.includes('PASSWORD') ? '(hidden)' : `'${picked[name]}'`;
    throw new Error(`Invalid environment variable ${name}=${shown}: ${issue.message}`);
  }
  return parsed.data;
}
