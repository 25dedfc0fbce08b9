/** The synthetic YOOCHOOSE data set generator (SPEC §1). */
export { registerGenerateCommand, GENERATE_DEFAULTS, summaryLine, type GenerateCommandDependencies } from './command.ts';
export { DATASET_FILES } from './dataset-files.ts';
export {
  generateDataset,
  type DatasetSummary,
  type DaySummary,
  type GenerateDatasetOptions,
  type GenerateProgress,
} from './generate-dataset.ts';
export { Rng } from './prng.ts';
export { FIRST_GENERATED_SESSION_ID, isReservedSessionId, RESERVED_SESSION_ID_BASE } from './session-ids.ts';
