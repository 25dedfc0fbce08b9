/** Public exports of the event-time windowing engine (semantics: window-engine.ts). */
export { createWindowEngine, type WindowEngine, type WindowEngineOptions, type WindowEngineStats } from './window-engine.ts';
export { validateWindowRules, type WindowRule, type WindowStats } from './window-rule.ts';
export { alignDown, firstWindowStart, windowStartsFor } from './window-assignment.ts';
export { SnapshotError, SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type SnapshotWindow, type WindowEngineSnapshot } from './snapshot.ts';
export type { AddResult, Click, EmittedAnomaly, WindowEngineCounters } from './types.ts';
