/**
 * Pipeline status: what the original design showed in the Kafka, Spark and
 * Airflow UIs — consumer-group lag per topic (detector, lake sink, and the
 * ClickHouse Kafka engine, whose groups are read from its own table
 * definitions), dead letters, and recent rollup runs.
 */
import { builder } from '../builder.ts';
import type { GroupTopicLag, PartitionLag, TopicCount } from '../data/kafka-store.ts';
import type { RollupRunRecord } from '../data/warehouse-store.ts';
import { listSize, sizeArgument, sizeDescription } from '../list-size.ts';

const RUNS = { argument: 'limit', max: 200, fallback: 20 } as const;

const PartitionLagRef = builder.objectRef<PartitionLag>('PartitionLag').implement({
  description: 'One partition of a topic, as one consumer group sees it.',
  fields: (t) => ({
    partition: t.exposeInt('partition', { description: 'Partition number.' }),
    committedOffset: t.field({ type: 'Long', nullable: true, description: 'Next offset the group will read; null when it has committed nothing here.', resolve: (p) => p.committedOffset ?? null }),
    endOffset: t.field({ type: 'Long', description: 'Offset the next message will get.', resolve: (p) => p.endOffset }),
    lag: t.field({ type: 'Long', description: 'Messages not consumed yet.', resolve: (p) => p.lag }),
  }),
});

const ConsumerGroupLagRef = builder.objectRef<GroupTopicLag>('ConsumerGroupLag').implement({
  description: 'How far one consumer group is behind on one topic.',
  fields: (t) => ({
    component: t.exposeString('component', { description: '`detector`, `lake-sink` or `clickhouse`.' }),
    groupId: t.exposeString('groupId', { description: 'Kafka consumer group.' }),
    topic: t.exposeString('topic', { description: 'The topic it reads.' }),
    state: t.exposeString('state', { description: 'Kafka\'s group state: `Stable` (consuming), `Empty` (no member running), `Dead` (unknown group), ...' }),
    members: t.exposeInt('members', { description: 'Running members.' }),
    totalLag: t.field({ type: 'Long', description: 'Σ lag over partitions.', resolve: (g) => g.totalLag }),
    partitions: t.field({ type: [PartitionLagRef], description: 'Per partition.', extensions: listSize({ max: 12 }), resolve: (g) => g.partitions }),
    error: t.exposeString('error', { nullable: true, description: 'Why the lag could not be read (e.g. the topic does not exist yet); null otherwise.' }),
  }),
});

const TopicMessagesRef = builder.objectRef<{ topic: string; count: number }>('TopicMessageCount').implement({
  description: 'Messages of one topic.',
  fields: (t) => ({
    topic: t.exposeString('topic', { description: 'The topic.' }),
    count: t.field({ type: 'Long', description: 'How many.', resolve: (c) => c.count }),
  }),
});

const DeadLettersRef = builder.objectRef<{ topic: TopicCount | undefined; topicName: string; error: string | undefined; parseErrors: { topic: string; count: number }[] }>('DeadLetters').implement({
  description: 'Input that could not be processed: rows the producers sent to the dead-letter topic, and messages ClickHouse could not parse.',
  fields: (t) => ({
    topic: t.exposeString('topicName', { description: 'The dead-letter topic.' }),
    messages: t.field({ type: 'Long', nullable: true, description: 'Messages in it; null when it cannot be read (see error).', resolve: (d) => d.topic?.messages ?? null }),
    error: t.exposeString('error', { nullable: true, description: 'Why the topic could not be read; null otherwise.' }),
    clickhouseParseErrors: t.field({
      type: [TopicMessagesRef],
      description: 'Messages the ClickHouse Kafka engine could not parse, per topic (table kafka_errors).',
      extensions: listSize({ max: 4 }),
      resolve: (d) => d.parseErrors,
    }),
  }),
});

const RollupRunRef = builder.objectRef<RollupRunRecord>('RollupRun').implement({
  description: 'One attempt of one rollup step for one day.',
  fields: (t) => ({
    runId: t.exposeString('runId', { description: 'The invocation it belongs to.' }),
    date: t.field({ type: 'Date', description: 'The day rolled up.', resolve: (r) => r.day }),
    step: t.exposeString('step', { description: '`daily_metrics`, `session_funnel`, `popular_items`, `popular_categories` or `trending`.' }),
    attempt: t.exposeInt('attempt', { description: '1 for the first attempt; 0 for a skipped step.' }),
    status: t.exposeString('status', { description: '`success`, `failed` or `skipped` (an earlier step of the day failed).' }),
    startedAt: t.field({ type: 'DateTime', description: 'Start.', resolve: (r) => r.startedAt }),
    finishedAt: t.field({ type: 'DateTime', description: 'End.', resolve: (r) => r.finishedAt }),
    durationMs: t.field({ type: 'Long', description: 'How long it took.', resolve: (r) => r.durationMs }),
    rowsWritten: t.field({ type: 'Long', description: 'Rows written to the serving table.', resolve: (r) => r.rowsWritten }),
    source: t.string({
      nullable: true,
      description: 'What the step read: `live` (the live aggregates, when exact for the day) or `raw` (the raw rows, each Kafka message once); null for a skipped step.',
      resolve: (r) => (r.source === '' ? null : r.source),
    }),
    error: t.string({ nullable: true, description: 'Why it failed; null on success.', resolve: (r) => (r.error === '' ? null : r.error) }),
  }),
});

const PipelineStatusRef = builder.objectRef<object>('PipelineStatus').implement({
  description: 'The state of the pipeline (each field is read when asked for).',
  fields: (t) => ({
    consumerGroups: t.field({
      type: [ConsumerGroupLagRef],
      description: 'Lag of every pipeline consumer group on every topic it reads.',
      extensions: listSize({ max: 10 }),
      resolve: async (_p, _a, ctx) => {
        const engineTables = await ctx.stores.warehouse.kafkaEngineTables();
        const clickhouse = engineTables.map((table) => ({ component: 'clickhouse', groupId: table.groupId, topics: table.topics }));
        return ctx.stores.kafka.lag([...ctx.settings.consumerGroups, ...clickhouse]);
      },
    }),
    deadLetters: t.field({
      type: DeadLettersRef,
      description: 'Dead letters and unparsable messages.',
      resolve: async (_p, _a, ctx) => {
        const topicName = ctx.settings.deadLetterTopic;
        const [topic, parseErrors] = await Promise.all([
          ctx.stores.kafka.topicCount(topicName).then(
            (count) => ({ count, error: undefined }),
            (error: Error) => ({ count: undefined, error: error.message }),
          ),
          ctx.stores.warehouse.parseErrors(),
        ]);
        return { topicName, topic: topic.count, error: topic.error, parseErrors };
      },
    }),
    rollupRuns: t.field({
      type: [RollupRunRef],
      description: 'The latest rollup attempts, newest first.',
      args: { limit: t.arg.int({ defaultValue: RUNS.fallback, description: sizeDescription(RUNS) }) },
      extensions: listSize(RUNS),
      resolve: (_p, args, ctx) => ctx.stores.warehouse.rollupRuns(sizeArgument(RUNS, args.limit)),
    }),
  }),
});

builder.queryField('pipelineStatus', (t) =>
  t.field({ type: PipelineStatusRef, description: 'Consumer lag, dead letters and rollup runs.', resolve: () => ({}) }),
);
