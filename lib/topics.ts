/** Kafka topics of SPEC §2, with the partition counts the local stack creates. */
export const TOPICS = {
  clicks: 'km.clicks.raw.v1',
  purchases: 'km.purchases.raw.v1',
  deadLetters: 'km.events.dlq.v1',
  anomalies: 'km.anomalies.v1',
} as const;

export const TOPIC_PARTITIONS: Record<(typeof TOPICS)[keyof typeof TOPICS], number> = {
  [TOPICS.clicks]: 3,
  [TOPICS.purchases]: 3,
  [TOPICS.deadLetters]: 1,
  [TOPICS.anomalies]: 3,
};
