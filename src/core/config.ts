import { resolve } from 'node:path';
import { z } from 'zod';
import { readServerEnv } from './env.js';

/**
 * Server configuration from flags and environment, validated once at start. Each refinement
 * message says what to fix.
 */
export const ServerConfigSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce
    .number({ message: 'port must be a number' })
    .int('port must be a whole number')
    .min(0, 'port must be between 0 and 65535')
    .max(65535, 'port must be between 0 and 65535')
    .default(5000),
  home: z.string().min(1),
  db: z.string().optional(),
  artifacts: z.string().optional(),
  /** `--auth`: users, tokens and permissions on every route. */
  auth: z.boolean().optional(),
  /** `--insecure-no-auth`: allow binding beyond loopback without auth (a trusted network only). */
  insecureNoAuth: z.boolean().optional(),
  /** MLflow's default_permission: what a user has on a resource nobody granted them anything on. */
  defaultPermission: z.enum(['READ', 'EDIT', 'MANAGE', 'NO_PERMISSIONS'], { message: 'default permission must be READ, EDIT, MANAGE or NO_PERMISSIONS' }).optional(),
  /** `--public-url`: the URL clients use (behind a proxy); https marks the session cookie Secure. */
  publicUrl: z.string().url('public URL must be a full URL such as https://trainyard.example.com').optional(),
  /** `--allowed-hosts`: extra Host names the server answers to (DNS-rebinding guard); `*` for any. */
  allowedHosts: z.array(z.string().min(1)).optional(),
  /** `--cors-origins`: browser origins allowed to call the API cross-origin (none by default). */
  corsOrigins: z.array(z.string().regex(/^https?:\/\/[^/]+$/, 'CORS origins look like https://app.example.com (scheme and host, no path)')).optional(),
  /** `--allowed-artifact-roots a,b`: folders or URIs besides the store where experiments may keep artifacts. */
  allowedArtifactRoots: z.array(z.string().min(1)).optional(),
  /** `--allow-private-webhooks`: webhooks may target loopback, private and link-local addresses. */
  allowPrivateWebhooks: z.boolean().optional(),
});

export type ServerConfig = z.infer<typeof ServerConfigSchema>;

/** `TRAINYARD_HOME`, else `./trainyard-data`: where SQLite and local artifacts live by default. */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.TRAINYARD_HOME || 'trainyard-data');
}

/** A comma-separated flag or variable as a list (absent stays absent). */
function list(v: unknown): string[] | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  return (Array.isArray(v) ? v.map(String) : String(v).split(',')).map((s) => s.trim()).filter(Boolean);
}

/** The flag each config field comes from, to name it in an error. */
const FLAGS: Record<string, string> = { artifactsRoot: '--artifacts-root', allowedArtifactRoots: '--allowed-artifact-roots', host: '--host', port: '--port', home: '--home', db: '--db', artifacts: '--artifacts', defaultPermission: '--default-permission', publicUrl: '--public-url', allowedHosts: '--allowed-hosts', corsOrigins: '--cors-origins' };

export function loadServerConfig(flags: Partial<Record<keyof ServerConfig | 'artifactsRoot', unknown>>, rawEnv: NodeJS.ProcessEnv = process.env): ServerConfig {
  const env = readServerEnv(rawEnv); // a bad variable is named before any flag is looked at
  const parsed = ServerConfigSchema.safeParse({
    host: flags.host ?? env.TRAINYARD_HOST,
    port: flags.port ?? env.TRAINYARD_PORT,
    home: (flags.home as string | undefined) ?? defaultHome(rawEnv),
    db: flags.db ?? env.TRAINYARD_DB,
    artifacts: flags.artifacts ?? flags.artifactsRoot ?? env.TRAINYARD_ARTIFACTS,
    auth: Boolean(flags.auth ?? env.TRAINYARD_AUTH === 'true'),
    insecureNoAuth: Boolean(flags.insecureNoAuth),
    defaultPermission: flags.defaultPermission ?? env.TRAINYARD_DEFAULT_PERMISSION,
    publicUrl: flags.publicUrl ?? env.TRAINYARD_PUBLIC_URL,
    allowedHosts: list(flags.allowedHosts ?? env.TRAINYARD_ALLOWED_HOSTS),
    corsOrigins: list(flags.corsOrigins ?? env.TRAINYARD_CORS_ORIGINS),
    allowedArtifactRoots: list(flags.allowedArtifactRoots ?? env.TRAINYARD_ALLOWED_ARTIFACT_ROOTS),
    allowPrivateWebhooks: Boolean(flags.allowPrivateWebhooks ?? /^(1|true|yes)$/i.test(env.TRAINYARD_WEBHOOK_ALLOW_PRIVATE ?? '')),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0]);
    throw new Error(`Invalid ${FLAGS[field] ?? field} '${String(flags[field as keyof ServerConfig])}': ${issue.message}`);
  }
  return parsed.data;
}
