/** S3 client with path-style addressing (S3Proxy, MinIO and AWS alike). */
import { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config.ts';

export function createS3(config: Config): S3Client {
  // The project runs on Node 20 by design; the SDK's notice about its future Node 22 floor is noise on every command.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    endpoint: config.s3.endpoint,
    region: config.s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: config.s3.accessKeyId, secretAccessKey: config.s3.secretAccessKey },
    maxAttempts: 3,
    // S3Proxy (and older MinIO) refuse the SDK's default flexible-checksum headers with NotImplemented.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
