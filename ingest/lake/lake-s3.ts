/**
 * The S3 client of the lake: lib/clients/s3.ts, with the AWS SDK's
 * default request checksums turned off. SDK versions since early 2025 add
 * `x-amz-checksum-crc32` / `x-amz-sdk-checksum-algorithm` to every upload,
 * which S3Proxy 2.6 answers with 501 NotImplemented ("A header you provided
 * implies functionality that is not implemented"); `WHEN_REQUIRED` restores
 * the classic behaviour that S3Proxy, MinIO and AWS all accept. An explicit
 * AWS_REQUEST_CHECKSUM_CALCULATION / AWS_RESPONSE_CHECKSUM_VALIDATION in the
 * environment still wins.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3 } from '../../lib/clients/s3.ts';
import type { Config } from '../../lib/config.ts';

export function createLakeS3(config: Config): S3Client {
  process.env.AWS_REQUEST_CHECKSUM_CALCULATION ??= 'WHEN_REQUIRED';
  process.env.AWS_RESPONSE_CHECKSUM_VALIDATION ??= 'WHEN_REQUIRED';
  return createS3(config);
}
