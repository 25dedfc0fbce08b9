/**
 * The lake's object layout, the one place that knows it:
 *
 *   <prefix>/<topic>/dt=YYYY-MM-DD/hour=HH/<topic>+<partition>+<firstOffset>.parquet
 *
 * `dt`/`hour` are the event time's UTC hour (Hive-style folders that
 * ClickHouse, Spark and Athena all prune on). An hour is carried around as
 * its epoch hour index (`floor(ms / 3_600_000)`). The name is a pure function
 * of (topic, partition, hour, first offset), so writing the same file again
 * overwrites the same object. Kafka topic names cannot contain `+`, so a key
 * parses back unambiguously.
 */
import { ConfigError } from '../../lib/errors.ts';

export const MS_PER_HOUR = 3_600_000;

/** The lake root under the bucket. @default topics */
export const DEFAULT_LAKE_PREFIX = 'topics';

/** The event hour (epoch hour index) of an epoch-millisecond timestamp, UTC. */
export const hourIndexOf = (epochMs: number): number => Math.floor(epochMs / MS_PER_HOUR);

/** Epoch ms at which an hour index starts. */
export const hourStartMs = (hour: number): number => hour * MS_PER_HOUR;

/** The `dt` and `hour` folder values of an hour index. */
export function hourFolders(hour: number): { dt: string; hour: string } {
  const iso = new Date(hourStartMs(hour)).toISOString();
  return { dt: iso.slice(0, 10), hour: iso.slice(11, 13) };
}

/** A prefix without leading/trailing slashes; refuses an empty one. */
export function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  if (trimmed.length === 0 || trimmed.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new ConfigError(`lake prefix: expected a path like "topics" or "lake/raw", got "${prefix}"`);
  }
  return trimmed;
}

/** `<prefix>/<topic>/`: every file of one topic. */
export const topicFolder = (prefix: string, topic: string): string => `${normalizePrefix(prefix)}/${topic}/`;

/** `<prefix>/<topic>/dt=…/hour=…/`: the folder of one event hour. */
export function hourFolder(prefix: string, topic: string, hour: number): string {
  const f = hourFolders(hour);
  return `${topicFolder(prefix, topic)}dt=${f.dt}/hour=${f.hour}/`;
}

export interface LakeFileId {
  topic: string;
  partition: number;
  /** Event hour, as an epoch hour index. */
  hour: number;
  firstOffset: number;
}

/** The object key of one lake file. */
export const fileKey = (prefix: string, id: LakeFileId): string =>
  `${hourFolder(prefix, id.topic, id.hour)}${id.topic}+${id.partition}+${id.firstOffset}.parquet`;

const KEY = /^(.+)\/([^/]+)\/dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\/([^/+]+)\+(\d+)\+(\d+)\.parquet$/;

/** Parses a key written by `fileKey`; undefined for anything else (or a name that disagrees with its folders). */
export function parseFileKey(key: string): (LakeFileId & { prefix: string }) | undefined {
  const m = KEY.exec(key);
  if (!m) return undefined;
  const [, prefix, folderTopic, dt, hh, topic, partition, firstOffset] = m as unknown as string[];
  if (folderTopic !== topic) return undefined;
  const ms = Date.parse(`${dt}T${hh}:00:00.000Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 13) !== `${dt}T${hh}`) return undefined;
  return { prefix: prefix!, topic: topic!, partition: Number(partition), hour: hourIndexOf(ms), firstOffset: Number(firstOffset) };
}

/** Hour indexes overlapping [fromMs, toMs). */
export function hoursBetween(fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  for (let h = hourIndexOf(fromMs); hourStartMs(h) < toMs; h++) out.push(h);
  return out;
}
