/**
 * @module Configuration of the S3 adapter: the `s3://bucket/prefix` URI and the usual AWS
 * environment variables (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION / AWS_DEFAULT_REGION).
 */
import { InvalidParameter } from '../core/errors.js';
import { normalizeArtifactPath } from './safe-path.js';

/** Plain credentials; without them the AWS default chain (profiles, SSO, instance roles) applies. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3ArtifactStoreOptions {
  bucket: string;
  /** Key prefix every artifact lives under, without leading or trailing '/'; '' for the bucket root. */
  prefix?: string;
  /** Default `us-east-1`. */
  region?: string;
  /** For S3-compatible servers (MinIO, Ceph, R2, ...); implies path-style addressing. */
  endpoint?: string;
  /** Default: true when `endpoint` is set, since most S3-compatible servers lack virtual hosts. */
  forcePathStyle?: boolean;
  credentials?: S3Credentials;
  /**
   * Bytes per uploaded part (at least 5 MiB), and the most `put` buffers before switching to
   * multipart. Default 5 MiB; grown for bodies whose announced size needs more than 10,000 parts.
   */
  partSize?: number;
  /** Parts uploaded at once per `put`. Default 2; each one costs about 3 x partSize of RSS. */
  queueSize?: number;
}

/** Bucket names per S3's rules (3 to 63 of a-z, 0-9, '.', '-'; starts and ends alphanumeric). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Splits `s3://bucket/some/prefix` into bucket and normalized prefix.
 *
 * @example
 * parseS3Uri('s3://ml-artifacts/team-a/'); // { bucket: 'ml-artifacts', prefix: 'team-a' }
 */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(uri);
  if (!match) throw new InvalidParameter(`Artifact store URI '${uri}' is not of the form s3://bucket/prefix.`);
  const bucket = match[1]!;
  if (!BUCKET_NAME.test(bucket)) {
    throw new InvalidParameter(
      `Artifact store URI '${uri}' names bucket '${bucket}', which is not a valid S3 bucket name ` +
        '(3-63 characters of a-z, 0-9, dot and hyphen).',
    );
  }
  // Leading slashes (`s3://bucket//x`) are a typo for `s3://bucket/x`, not an absolute key.
  return { bucket, prefix: normalizeArtifactPath((match[2] ?? '').replace(/^\/+/, '')) };
}

/**
 * Options for `s3://...` from the URI and the environment: the endpoint (and with it path-style
 * addressing), region and credentials. A half-set key pair is refused rather than silently
 * falling back to another identity.
 */
export function s3OptionsFromEnv(uri: string, env: NodeJS.ProcessEnv = process.env): S3ArtifactStoreOptions {
  const { bucket, prefix } = parseS3Uri(uri);
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new InvalidParameter('Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither to use the AWS default credential chain.');
  }
  const options: S3ArtifactStoreOptions = { bucket, prefix, region };
  if (endpoint) options.endpoint = endpoint;
  if (accessKeyId && secretAccessKey) {
    options.credentials = { accessKeyId, secretAccessKey };
    if (env.AWS_SESSION_TOKEN) options.credentials.sessionToken = env.AWS_SESSION_TOKEN;
  }
  return options;
}
