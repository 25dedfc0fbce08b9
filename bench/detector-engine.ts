/**
 * Throughput of the window engine alone (no Kafka, no decode): 2M synthetic
 * clicks over 200k sessions, fed in batches of 1,000 with advance() after
 * each, as the consumer does. Prints events/s, heap used, open windows and
 * the size/time of a snapshot.
 *
 *   node --expose-gc --import tsx bench/detector-engine.ts [--clicks 2000000] [--sessions 200000] [--span-hours 2]
 *
 * The stream: session starts uniform over the span, clicks per session
 * skewed (mean ≈ 10), gaps exponential (mean 15 s); 0.5 % of sessions are bots
 * bursting 150–400 clicks every 100–400 ms on 1–6 items. Delivery lag 0–2 s,
 * 3 % of clicks 0–90 s (out of order, some late).
 */
import { parseArgs } from 'node:util';
import { anomalyRules, DEFAULT_DETECTOR_SETTINGS } from '../detector/rules.ts';
import { createWindowEngine } from '../detector/windows/index.ts';
import { seededUniform } from '../ingest/generator/prng.ts';

const { values } = parseArgs({
  options: {
    clicks: { type: 'string', default: '2000000' },
    sessions: { type: 'string', default: '200000' },
    'span-hours': { type: 'string', default: '2' },
    batch: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '42' },
  },
});
const CLICKS = Number(values.clicks);
const SESSIONS = Number(values.sessions);
const SPAN_MS = Number(values['span-hours']) * 3_600_000;
const BATCH = Number(values.batch);
const T0 = Date.parse('2014-04-07T00:00:00.000Z');


interface Stream {
  sessionIds: Float64Array;
  times: Float64Array;
  items: Int32Array;
}

function generate(seed: number): Stream {
  const rand = seededUniform(seed);
  const sessionOf = new Float64Array(CLICKS);
  const timeOf = new Float64Array(CLICKS);
  const itemOf = new Int32Array(CLICKS);
  const arrival = new Float64Array(CLICKS);
  let n = 0;
  for (let s = 0; s < SESSIONS && n < CLICKS; s++) {
    const sessionId = 1 + s * 37; // sparse ids, like YOOCHOOSE's
    const bot = rand() < 0.005;
    const remainingSessions = SESSIONS - s;
    const meanClicks = Math.max(1, (CLICKS - n) / remainingSessions);
    let count = bot ? 150 + Math.floor(rand() * 251) : 1 + Math.floor(-Math.log(1 - rand()) * (meanClicks - 1));
    if (s === SESSIONS - 1) count = CLICKS - n;
    count = Math.min(count, CLICKS - n);
    const pool = bot ? 1 + Math.floor(rand() * 6) : 0;
    const botItem = 214_000_000 + Math.floor(rand() * 50_000);
    let t = T0 + Math.floor(rand() * SPAN_MS);
    for (let i = 0; i < count; i++) {
      sessionOf[n] = sessionId;
      timeOf[n] = t;
      itemOf[n] = bot ? botItem + Math.floor(rand() * pool) : 214_000_000 + Math.floor(rand() * 52_739);
      arrival[n] = t + (rand() < 0.03 ? Math.floor(rand() * 90_000) : Math.floor(rand() * 2_000));
      n++;
      t += bot ? 100 + Math.floor(rand() * 300) : Math.floor(-Math.log(1 - rand()) * 15_000);
    }
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => arrival[a]! - arrival[b]! || a - b);
  const stream: Stream = { sessionIds: new Float64Array(n), times: new Float64Array(n), items: new Int32Array(n) };
  for (let i = 0; i < n; i++) {
    const j = order[i]!;
    stream.sessionIds[i] = sessionOf[j]!;
    stream.times[i] = timeOf[j]!;
    stream.items[i] = itemOf[j]!;
  }
  return stream;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const gc = (globalThis as { gc?: () => void }).gc;

function run(stream: Stream, mode: 'positional' | 'object', count = stream.times.length) {
  const engine = createWindowEngine(anomalyRules(), { watermarkDelayMs: DEFAULT_DETECTOR_SETTINGS.watermarkDelayMs });
  const { sessionIds, times, items } = stream;
  let anomalies = 0;
  let peakOpen = 0;
  const cpuStarted = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let from = 0; from < count; from += BATCH) {
    const to = Math.min(count, from + BATCH);
    if (mode === 'positional') {
      for (let i = from; i < to; i++) engine.addClick(sessionIds[i]!, times[i]!, items[i]!);
    } else {
      for (let i = from; i < to; i++) engine.add({ sessionId: sessionIds[i]!, timestampMs: times[i]!, itemId: items[i]! });
    }
    anomalies += engine.advance().length;
    if (engine.openWindowCount() > peakOpen) peakOpen = engine.openWindowCount();
  }
  anomalies += engine.flushAll().length;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStarted);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { stats: engine.stats(), seconds, cpuSeconds, anomalies, peakOpen };
}

/** State held half-way through: live heap, snapshot size and the time to take and restore it. */
function midStream(stream: Stream) {
  gc?.();
  const heapEmpty = process.memoryUsage().heapUsed;
  const engine = createWindowEngine(anomalyRules(), { watermarkDelayMs: DEFAULT_DETECTOR_SETTINGS.watermarkDelayMs });
  const half = Math.floor(stream.times.length / 2);
  for (let i = 0; i < half; i++) engine.addClick(stream.sessionIds[i]!, stream.times[i]!, stream.items[i]!);
  engine.advance();
  gc?.();
  const heapLive = process.memoryUsage().heapUsed - heapEmpty;
  let t = process.hrtime.bigint();
  const json = JSON.stringify(engine.snapshot());
  const snapshotMs = Number(process.hrtime.bigint() - t) / 1e6;
  t = process.hrtime.bigint();
  createWindowEngine(anomalyRules(), { watermarkDelayMs: DEFAULT_DETECTOR_SETTINGS.watermarkDelayMs }).restore(JSON.parse(json));
  const restoreMs = Number(process.hrtime.bigint() - t) / 1e6;
  return { open: engine.openWindowCount(), sessions: engine.stats().openSessions, heapLive, json, snapshotMs, restoreMs };
}

const genStarted = Date.now();
const stream = generate(Number(values.seed));
console.log(`generated ${stream.times.length.toLocaleString()} clicks over ${SESSIONS.toLocaleString()} sessions, ${SPAN_MS / 3_600_000} h of event time, in ${Date.now() - genStarted} ms (not timed below)`);

run(stream, 'positional', Math.min(300_000, stream.times.length)); // warm-up (JIT)
run(stream, 'object', Math.min(300_000, stream.times.length));

for (const mode of ['positional', 'object'] as const) {
  for (let round = 1; round <= 3; round++) {
    const r = run(stream, mode);
    const perSecond = (seconds: number) => Math.round(stream.times.length / seconds).toLocaleString();
    console.log(
      `${mode.padEnd(10)} round ${round}: ${perSecond(r.seconds)} events/s wall (${r.seconds.toFixed(3)} s), ` +
        `${perSecond(r.cpuSeconds)} events/s per CPU-second (process CPU incl. GC threads); batches of ${BATCH}, incl. flushAll`,
    );
    if (round === 3) {
      const s = r.stats;
      console.log(`  rows ${r.anomalies}, accepted ${s.acceptedClicks.toLocaleString()}, late ${s.lateClicks.toLocaleString()}, late memberships ${JSON.stringify(s.lateMemberships)}`);
      console.log(`  windows closed ${s.windowsClosed.toLocaleString()}, peak open windows ${r.peakOpen.toLocaleString()}`);
    }
  }
}

const m = midStream(stream);
console.log(`mid-stream state: ${m.open.toLocaleString()} open windows in ${m.sessions.toLocaleString()} sessions, live heap ${gc ? mb(m.heapLive) : 'n/a (run with node --expose-gc)'}`);
console.log(`  snapshot ${mb(m.json.length)} JSON in ${m.snapshotMs.toFixed(1)} ms (incl. stringify), restore in ${m.restoreMs.toFixed(1)} ms (incl. parse)`);
const mem = process.memoryUsage();
console.log(`process: heap used ${mb(mem.heapUsed)}, heap total ${mb(mem.heapTotal)}, rss ${mb(mem.rss)}`);
