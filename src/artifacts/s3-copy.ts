/**
 * @module Server-side copy with new metadata. S3 fixes an object's metadata when the upload
 * starts, but a streamed body's sha256 is known only at the end; so large bodies are uploaded to
 * a staging key and copied to their final key with the digest attached. Copies up to 5 GiB are
 * one CopyObject (S3's limit); beyond that, UploadPartCopy in 512 MiB ranges.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

/** S3 refuses a single CopyObject above 5 GiB. */
export const MAX_SINGLE_COPY_BYTES = 5 * 1024 ** 3;
/** Default range per UploadPartCopy; grown for objects that would need more than 10,000 parts. */
export const COPY_PART_BYTES = 512 * 1024 ** 2;
const MAX_PARTS = 10_000;
/** Ranges copied at once; each is server-side work, so this costs us nothing but sockets. */
const COPY_CONCURRENCY = 4;

export interface CopyRequest {
  bucket: string;
  from: string;
  to: string;
  /** Size of the source object, which picks single or multipart copy. */
  size: number;
  metadata: Record<string, string>;
}

/**
 * The inclusive byte ranges of a multipart copy, part numbers from 1. Ranges are `partSize`, or
 * larger when needed to stay within S3's 10,000 parts (512 MiB x 10,000 is just short of 5 TiB).
 */
export function planCopyParts(size: number, minPartSize = COPY_PART_BYTES): { partNumber: number; start: number; end: number }[] {
  const partSize = Math.max(minPartSize, Math.ceil(size / MAX_PARTS));
  const parts = [];
  for (let start = 0, partNumber = 1; start < size; start += partSize, partNumber++) {
    parts.push({ partNumber, start, end: Math.min(start + partSize, size) - 1 });
  }
  return parts;
}

/** Copies `from` to `to` in one bucket, replacing the metadata. */
export async function copyWithMetadata(client: S3Client, request: CopyRequest, maxSingleCopy = MAX_SINGLE_COPY_BYTES): Promise<void> {
  const { bucket, from, to, metadata } = request;
  if (request.size <= maxSingleCopy) {
    await client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: to,
        CopySource: copySource(bucket, from),
        MetadataDirective: 'REPLACE',
        Metadata: metadata,
      }),
    );
    return;
  }
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: to, Metadata: metadata }));
  try {
    const plan = planCopyParts(request.size);
    const etags: string[] = new Array(plan.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < plan.length) {
        const part = plan[next++]!;
        const result = await client.send(
          new UploadPartCopyCommand({
            Bucket: bucket,
            Key: to,
            UploadId,
            PartNumber: part.partNumber,
            CopySource: copySource(bucket, from),
            CopySourceRange: `bytes=${part.start}-${part.end}`,
          }),
        );
        etags[part.partNumber - 1] = result.CopyPartResult?.ETag ?? '';
      }
    };
    await Promise.all(Array.from({ length: Math.min(COPY_CONCURRENCY, plan.length) }, worker));
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: to,
        UploadId,
        MultipartUpload: { Parts: plan.map((p) => ({ PartNumber: p.partNumber, ETag: etags[p.partNumber - 1] })) },
      }),
    );
  } catch (e) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: to, UploadId })).catch(() => {});
    throw e;
  }
}

/** `x-amz-copy-source` must be URL-encoded; encoding per segment keeps the '/'s readable. */
function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}
