/**
 * Finds and reads the lake files of a topic. Listing goes by day folder
 * (`dt=`) and keeps the hours overlapping the requested event-time range, so
 * a range costs one listing per day, never a scan of the whole topic.
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { hourFolders, hourStartMs, hoursBetween, MS_PER_HOUR, parseFileKey, topicFolder, type LakeFileId } from './lake-path.ts';
import { decodeParquet, type DecodedFile } from './parquet-decode.ts';

export interface LakeObject extends LakeFileId {
  key: string;
  size: number;
}

async function listPrefix(s3: S3Client, bucket: string, prefix: string): Promise<Array<{ key: string; size: number }>> {
  const out: Array<{ key: string; size: number }> = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) out.push({ key: o.Key, size: o.Size ?? 0 });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** The topic's lake files whose event hour overlaps [fromMs, toMs) (all of them without a range). */
export async function listLakeFiles(
  s3: S3Client,
  bucket: string,
  prefix: string,
  topic: string,
  range?: { fromMs: number; toMs: number },
): Promise<LakeObject[]> {
  const folder = topicFolder(prefix, topic);
  const prefixes = range
    ? [...new Set(hoursBetween(range.fromMs, range.toMs).map((h) => `${folder}dt=${hourFolders(h).dt}/`))]
    : [folder];
  const found: LakeObject[] = [];
  for (const p of prefixes) {
    for (const o of await listPrefix(s3, bucket, p)) {
      const id = parseFileKey(o.key);
      if (!id || id.topic !== topic) continue;
      if (range && (hourStartMs(id.hour) + MS_PER_HOUR <= range.fromMs || hourStartMs(id.hour) >= range.toMs)) continue;
      found.push({ ...id, key: o.key, size: o.size });
    }
  }
  return found.sort((a, b) => a.partition - b.partition || a.firstOffset - b.firstOffset || a.hour - b.hour);
}

export async function readLakeFile(s3: S3Client, bucket: string, key: string): Promise<DecodedFile> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = await object.Body!.transformToByteArray();
  return decodeParquet(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
