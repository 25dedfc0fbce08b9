/**
 * What the pipeline status needs from Kafka, through one lazily connected
 * admin client: consumer-group lag per topic (committed offset against the
 * end of each partition) and message counts of a topic (the dead letters).
 * A failed call drops the connection so that the next one reconnects.
 */
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from '../../lib/logger.ts';
import { unavailable } from '../errors.ts';
import { recordsHeld } from '../../lib/topic-size.ts';

export interface ConsumerGroupSpec {
  /** Which part of the pipeline the group is, e.g. `detector`, `lake-sink`, `clickhouse`. */
  component: string;
  groupId: string;
  topics: string[];
}

export interface PartitionLag {
  partition: number;
  /** Next offset the group will read; undefined when the group has committed nothing there. */
  committedOffset: number | undefined;
  endOffset: number;
  /** Messages not yet consumed: end − committed (end − start of the log when nothing is committed). */
  lag: number;
}

export interface GroupTopicLag {
  component: string;
  groupId: string;
  topic: string;
  /** Kafka's group state (Stable, Empty, PreparingRebalance, Dead, ...). */
  state: string;
  members: number;
  totalLag: number;
  partitions: PartitionLag[];
  /** Set when the topic or group could not be read (e.g. the topic does not exist yet). */
  error: string | undefined;
}

export interface TopicCount {
  topic: string;
  /** Messages currently in the topic (sum over partitions of end − start). */
  messages: number;
  partitions: number;
}

export interface KafkaStore {
  lag(groups: readonly ConsumerGroupSpec[]): Promise<GroupTopicLag[]>;
  topicCount(topic: string): Promise<TopicCount>;
  /** Brokers in the cluster (the health probe). */
  ping(): Promise<number>;
  close(): Promise<void>;
}

export function createKafkaStore(kafka: Kafka, logger: Logger): KafkaStore {
  let admin: Promise<Admin> | undefined;
  const connected = (): Promise<Admin> => {
    if (admin === undefined) {
      const client = kafka.admin();
      admin = client.connect().then(() => client);
      admin.catch(() => {
        admin = undefined;
      });
    }
    return admin;
  };
  const withAdmin = async <T>(what: (a: Admin) => Promise<T>): Promise<T> => {
    try {
      return await what(await connected());
    } catch (error) {
      const stale = admin;
      admin = undefined;
      void stale?.then((a) => a.disconnect()).catch(() => undefined);
      logger.warn({ err: error }, 'Kafka admin call failed');
      throw unavailable('Kafka', error);
    }
  };

  return {
    lag(groups) {
      return withAdmin(async (a) => {
        const described = groups.length === 0 ? [] : (await a.describeGroups([...new Set(groups.map((g) => g.groupId))])).groups;
        const stateOf = new Map(described.map((g) => [g.groupId, { state: g.state, members: g.members.length }]));
        const ends = new Map<string, Promise<{ partition: number; high: string; low: string }[]>>();
        const endsOf = (topic: string) => {
          let found = ends.get(topic);
          if (found === undefined) ends.set(topic, (found = a.fetchTopicOffsets(topic)));
          return found;
        };
        const out: GroupTopicLag[] = [];
        for (const group of groups) {
          const { state, members } = stateOf.get(group.groupId) ?? { state: 'Unknown', members: 0 };
          for (const topic of group.topics) {
            const base = { component: group.component, groupId: group.groupId, topic, state, members };
            try {
              const [offsets, committed] = await Promise.all([endsOf(topic), a.fetchOffsets({ groupId: group.groupId, topics: [topic] })]);
              const committedBy = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
              const partitions = offsets
                .map((p) => {
                  const end = Number(p.high);
                  const at = committedBy.get(p.partition);
                  const committedOffset = at !== undefined && at >= 0 ? at : undefined;
                  return { partition: p.partition, committedOffset, endOffset: end, lag: Math.max(0, end - (committedOffset ?? Number(p.low))) };
                })
                .sort((x, y) => x.partition - y.partition);
              out.push({ ...base, totalLag: partitions.reduce((sum, p) => sum + p.lag, 0), partitions, error: undefined });
            } catch (error) {
              out.push({ ...base, totalLag: 0, partitions: [], error: (error as Error).message });
            }
          }
        }
        return out;
      });
    },
    topicCount(topic) {
      return withAdmin(async (a) => {
        const offsets = await a.fetchTopicOffsets(topic);
        return { topic, messages: recordsHeld(offsets), partitions: offsets.length };
      });
    },
    ping() {
      return withAdmin(async (a) => (await a.describeCluster()).brokers.length);
    },
    async close() {
      const current = admin;
      admin = undefined;
      if (current) await current.then((a) => a.disconnect()).catch(() => undefined);
    },
  };
}
