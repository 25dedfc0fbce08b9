/** The nightly rollup (SPEC §4–6 into the serving tables): public surface. */
export { registerRollupCommand } from './command.ts';
export { defaultRollupDay, readDataClock } from './data-clock.ts';
export { DayChecker, type DayExactness } from './day-check.ts';
export { addDays, dayBeforeDataClock, dayRange, isDay } from './days.ts';
export { rollupChunk, rollupDay, type AttemptContext, type DayOutcome, type RollupDeps, type RollupRunOptions, type StepOutcome } from './run-day.ts';
export { rollupDays, type RangeOptions, type RangeOutcome } from './run-range.ts';
export { nextFireTimes, runOnSchedule } from './schedule.ts';
export { loadRollupSettings, type RollupSettings } from './settings.ts';
export { ROLLUP_STAGES, ROLLUP_STEPS, STEP_NAMES, type RollupStep, type Source, type StepName } from './steps.ts';
