/**
 * @module Prefix operations for the S3 adapter: one-level listings (S3 has no folders, only keys
 * and a delimiter), bulk deletes, and "is anything under here" checks. All page through results,
 * so a prefix with millions of keys costs requests, never memory beyond one page of 1000.
 */
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { AppError } from '../core/errors.js';
import type { ArtifactEntry } from './artifact-store.js';

/** DeleteObjects takes at most 1000 keys a request. */
const DELETE_BATCH = 1000;

/** Files and sub-folders directly under `prefix` (which is '' or ends in '/'), unsorted. */
export async function listOneLevel(client: S3Client, bucket: string, prefix: string): Promise<ArtifactEntry[]> {
  const entries: ArtifactEntry[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }),
    );
    for (const p of page.CommonPrefixes ?? []) {
      entries.push({ path: p.Prefix!.slice(prefix.length, -1), isDir: true });
    }
    for (const object of page.Contents ?? []) {
      const name = object.Key!.slice(prefix.length);
      if (name !== '') entries.push({ path: name, isDir: false, size: object.Size ?? 0 }); // '' is a folder marker.
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return entries;
}

/** Deletes every object whose key starts with `prefix`. */
export async function deletePrefix(client: S3Client, bucket: string, prefix: string): Promise<void> {
  let token: string | undefined;
  do {
    // Deleting while paging is safe: the continuation token is a position in key order.
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: DELETE_BATCH }),
    );
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length > 0) {
      const result = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
      const failed = result.Errors ?? [];
      if (failed.length > 0) {
        throw new AppError(
          'INTERNAL_ERROR',
          `S3 could not delete ${failed.length} objects, first '${failed[0]!.Key}': ${failed[0]!.Message}`,
        );
      }
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** True when at least one object's key starts with `prefix`. */
export async function hasObjectsUnder(client: S3Client, bucket: string, prefix: string): Promise<boolean> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }));
  return (page.KeyCount ?? page.Contents?.length ?? 0) > 0;
}
