import parquet from 'parquetjs-lite';
import { Writable } from 'node:stream';
import fs from 'node:fs';
const N = 100_000;
const schema = new parquet.ParquetSchema({
  session_id: { type: 'INT64', compression: 'SNAPPY', statistics: false },
  timestamp: { type: 'TIMESTAMP_MILLIS', compression: 'SNAPPY', statistics: false },
  item_id: { type: 'INT64', compression: 'SNAPPY', statistics: false },
  category: { type: 'UTF8', compression: 'SNAPPY', statistics: false },
  _topic: { type: 'UTF8', compression: 'SNAPPY', statistics: false },
  _partition: { type: 'INT32', compression: 'SNAPPY', statistics: false },
  _offset: { type: 'INT64', compression: 'SNAPPY', statistics: false },
});
const chunks: Buffer[] = [];
const out = new Writable({ write(c, _e, cb) { chunks.push(c); cb(); } });
const t0 = performance.now();
const w = await parquet.ParquetWriter.openStream(schema, out, { useDataPageV2: false, pageIndex: false, rowGroupSize: N });
for (let i = 0; i < N; i++) {
  await w.appendRow({ session_id: 1000 + (i >> 2), timestamp: new Date(1396310400000 + i * 100), item_id: 214536502 + (i % 5000), category: i % 3 ? '0' : String(i % 12), _topic: 'km.clicks.raw.v1', _partition: 1, _offset: i });
}
await w.close();
const buf = Buffer.concat(chunks);
console.log('ms', performance.now() - t0, 'bytes', buf.length, 'B/row', buf.length / N);
fs.writeFileSync('/tmp/lakeexp/a.parquet', buf);
