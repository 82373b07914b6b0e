import { describe, expect, it } from 'vitest';
import { InvalidParameter } from '../core/errors.js';
import { parseS3Uri, s3OptionsFromEnv } from './s3-config.js';
import { COPY_PART_BYTES, planCopyParts } from './s3-copy.js';

describe('parseS3Uri', () => {
  const accepted: [uri: string, bucket: string, prefix: string][] = [
    ['s3://ml-artifacts', 'ml-artifacts', ''],
    ['s3://ml-artifacts/', 'ml-artifacts', ''],
    ['s3://ml-artifacts/team-a', 'ml-artifacts', 'team-a'],
    ['s3://ml-artifacts/team-a/runs/', 'ml-artifacts', 'team-a/runs'],
    ['s3://my.bucket-1//double//slash', 'my.bucket-1', 'double/slash'],
  ];
  it.each(accepted)('%j -> bucket %j, prefix %j', (uri, bucket, prefix) => {
    expect(parseS3Uri(uri)).toEqual({ bucket, prefix });
  });

  it.each(['s3://', 's3://UPPER/x', 's3://ab', 's3://bad_bucket', 's3://b-kt/../escape', 's3://bkt/%2e%2e', 'http://bkt/x'])(
    'refuses %j',
    (uri) => {
      expect(() => parseS3Uri(uri)).toThrow(InvalidParameter);
    },
  );
});

describe('s3OptionsFromEnv', () => {
  it('uses the bucket, us-east-1 and the default credential chain when nothing is set', () => {
    expect(s3OptionsFromEnv('s3://bkt/p', {})).toEqual({ bucket: 'bkt', prefix: 'p', region: 'us-east-1' });
  });

  it('reads endpoint, region and keys from the usual AWS variables', () => {
    const env = {
      AWS_ENDPOINT_URL: 'http://generic:9000',
      AWS_ENDPOINT_URL_S3: 'http://minio:9000',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'ignored',
      AWS_ACCESS_KEY_ID: 'id',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
    };
    expect(s3OptionsFromEnv('s3://bkt', env)).toEqual({
      bucket: 'bkt',
      prefix: '',
      region: 'eu-west-1',
      endpoint: 'http://minio:9000',
      credentials: { accessKeyId: 'id', secretAccessKey: 'secret', sessionToken: 'token' },
    });
    expect(s3OptionsFromEnv('s3://bkt', { AWS_ENDPOINT_URL: 'http://generic:9000', AWS_DEFAULT_REGION: 'ap-south-1' })).toMatchObject({
      endpoint: 'http://generic:9000',
      region: 'ap-south-1',
    });
  });

  it('refuses half a key pair', () => {
    expect(() => s3OptionsFromEnv('s3://bkt', { AWS_ACCESS_KEY_ID: 'id' })).toThrow(/both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });
});

describe('planCopyParts', () => {
  it('covers every byte once, in ranges of the part size', () => {
    expect(planCopyParts(10, 4)).toEqual([
      { partNumber: 1, start: 0, end: 3 },
      { partNumber: 2, start: 4, end: 7 },
      { partNumber: 3, start: 8, end: 9 },
    ]);
    expect(planCopyParts(8, 4)).toHaveLength(2);
    expect(planCopyParts(0, 4)).toEqual([]);
  });

  it('uses 512 MiB ranges, grown to fit a 5 TiB object (S3 maximum) in 10,000 parts', () => {
    expect(planCopyParts(6 * 1024 ** 3)[0]!.end).toBe(COPY_PART_BYTES - 1);
    const parts = planCopyParts(5 * 1024 ** 4);
    expect(parts.length).toBeLessThanOrEqual(10_000);
    expect(parts.at(-1)!.end).toBe(5 * 1024 ** 4 - 1);
    for (const [i, part] of parts.entries()) expect(part.start).toBe(i === 0 ? 0 : parts[i - 1]!.end + 1);
  });
});
