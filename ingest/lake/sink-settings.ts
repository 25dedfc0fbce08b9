/**
 * The lake sink's settings and their defaults, documented here once (the
 * `sink` command's options map onto them one to one).
 */
import { TOPICS } from '../../lib/topics.ts';
import { DEFAULT_CLOSE_POLICY, type ClosePolicy } from './close-policy.ts';
import { DEFAULT_LAKE_PREFIX } from './lake-path.ts';

export interface SinkSettings extends ClosePolicy {
  /** Root of the lake under the bucket. @default "topics" */
  prefix: string;
  /** Consumer group of a topic's sink: `<groupPrefix><topic>`. @default "guardian-lake-" */
  groupPrefix: string;
  /** The value field holding the event time (epoch ms, timestamp-millis). @default "timestamp" */
  eventTimeField: string;
  /**
   * Rows held in memory by one topic's sink (open files + files waiting for
   * upload). Above it the oldest open files are closed early and, while
   * uploads cannot keep up, consumption pauses. @default 500_000
   */
  maxBufferedRows: number;
  /** Journal entries per partition above which the oldest open file is closed early. @default 60 */
  maxJournalEntries: number;
  /** Files uploaded at once per topic. @default 4 */
  uploadConcurrency: number;
  /** First delay between upload retries while S3 fails; doubles up to `retryMaxDelayMs`. @default 500 */
  retryInitialDelayMs: number;
  /** @default 5_000 */
  retryMaxDelayMs: number;
  /** Where undecodable messages go (Avro DeadLetter, source = the topic). @default km.events.dlq.v1 */
  deadLetterTopic: string;
  /** Consumer session timeout: how soon the group notices a dead member. @default 30_000 */
  sessionTimeoutMs: number;
  /** How often a rate line is logged. @default 10_000 */
  progressIntervalMs: number;
}

export const DEFAULT_SINK_SETTINGS: SinkSettings = {
  ...DEFAULT_CLOSE_POLICY,
  prefix: DEFAULT_LAKE_PREFIX,
  groupPrefix: 'guardian-lake-',
  eventTimeField: 'timestamp',
  maxBufferedRows: 500_000,
  maxJournalEntries: 60,
  uploadConcurrency: 4,
  retryInitialDelayMs: 500,
  retryMaxDelayMs: 5_000,
  deadLetterTopic: TOPICS.deadLetters,
  sessionTimeoutMs: 30_000,
  progressIntervalMs: 10_000,
};
