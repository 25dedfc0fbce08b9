/** S3 client with path-style addressing (S3Proxy, MinIO and AWS alike). */
import { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config.ts';

export function createS3(config: Config): S3Client {
  return new S3Client({
    endpoint: config.s3.endpoint,
    region: config.s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: config.s3.accessKeyId, secretAccessKey: config.s3.secretAccessKey },
    maxAttempts: 3,
  });
}
