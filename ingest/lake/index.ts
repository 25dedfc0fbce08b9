/** The raw data lake: Kafka → S3 Parquet (dt=/hour=, exactly once) and back. */
export { registerReplayCommand, registerSinkCommand, formatReplaySummary } from './command.ts';
export { startSink, type RunningSink } from './sink.ts';
export { TopicSink, type TopicSinkStats } from './topic-sink.ts';
export { DEFAULT_SINK_SETTINGS, type SinkSettings } from './sink-settings.ts';
export { replayLake, type ReplayOptions, type ReplaySummary } from './replay.ts';
export { listLakeFiles, readLakeFile, type LakeObject } from './lake-reader.ts';
export { DEFAULT_LAKE_PREFIX, fileKey, hourFolder, hourIndexOf, parseFileKey, topicFolder } from './lake-path.ts';
export { decodeParquet } from './parquet-decode.ts';
