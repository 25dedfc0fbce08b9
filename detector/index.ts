/** Public exports of the anomaly detector (design: detector.ts; windows: windows/window-engine.ts). */
export { registerDetectCommand, detectorOptionsFrom, connectDetectorDeps } from './command.ts';
export { startDetector, type DetectorDeps, type DetectorOptions, type DetectorStatus, type RunningDetector } from './detector.ts';
export { anomalyRules, DEFAULT_DETECTOR_SETTINGS, type AnomalyType, type DetectorSettings } from './rules.ts';
export { detectorTables, TABLE_NAMES, type DetectorTables } from './tables.ts';
export { decodeSnapshot, encodeSnapshot } from './snapshot-codec.ts';
