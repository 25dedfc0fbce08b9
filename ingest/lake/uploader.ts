/**
 * Uploads lake files: one PutObject per file, retried with exponential
 * backoff for as long as S3 fails (until the caller's signal aborts).
 *
 * Guarantees: an upload resolves only once S3 acknowledged the whole object
 * (PutObject is atomic: a reader sees the old object or the new one, never
 * half of one); S3 health is tracked across concurrent uploads and reported
 * once per change — the first failure (`onDown`) and the first success after
 * failures (`onUp`) — so the sink can pause and resume consumption and log
 * one line each way, not one per retry.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GuardianError } from '../../lib/errors.ts';
import { retry } from '../../lib/retry.ts';

export interface UploaderOptions {
  bucket: string;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Called on the first failure after a healthy period. */
  onDown?: (error: unknown) => void;
  /** Called on the first success after failures. */
  onUp?: (downForMs: number) => void;
}

export class LakeUploader {
  private downSince: number | undefined;

  constructor(
    private readonly s3: S3Client,
    private readonly options: UploaderOptions,
  ) {}

  get healthy(): boolean {
    return this.downSince === undefined;
  }

  /** Forgets a failure in progress (the uploads that saw it were abandoned). */
  reset(): void {
    this.downSince = undefined;
  }

  /** Puts the object, retrying until it succeeds; rejects only when `signal` aborts. */
  async put(key: string, body: Buffer, signal: AbortSignal): Promise<void> {
    await retry(
      async () => {
        if (signal.aborted) throw new GuardianError('upload aborted');
        await this.s3.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: key, Body: body, ContentType: 'application/vnd.apache.parquet' }), {
          abortSignal: signal,
        });
      },
      {
        attempts: Infinity,
        initialDelayMs: this.options.initialDelayMs,
        maxDelayMs: this.options.maxDelayMs,
        isRetriable: () => !signal.aborted,
        description: `upload of s3://${this.options.bucket}/${key}`,
        onRetry: (error) => {
          if (this.downSince !== undefined) return;
          this.downSince = Date.now();
          this.options.onDown?.(error);
        },
      },
    );
    if (this.downSince !== undefined) {
      const downForMs = Date.now() - this.downSince;
      this.downSince = undefined;
      this.options.onUp?.(downForMs);
    }
  }
}
