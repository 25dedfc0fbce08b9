import parquet from 'parquetjs-lite';
import { Writable } from 'node:stream';
import fs from 'node:fs';
const N = 100_000;
const cols = { session_id: 'INT64', timestamp: 'TIMESTAMP_MILLIS', item_id: 'INT64', category: 'UTF8', _topic: 'UTF8', _partition: 'INT32', _offset: 'INT64' } as const;
const schema = new parquet.ParquetSchema(Object.fromEntries(Object.entries(cols).map(([k, t]) => [k, { type: t, compression: 'SNAPPY', statistics: false }])));
for (let rep = 0; rep < 3; rep++) {
const chunks: Buffer[] = [];
const out = new Writable({ write(c, _e, cb) { chunks.push(c); cb(); } });
const t0 = performance.now();
const data: Record<string, unknown[]> = Object.fromEntries(Object.keys(cols).map((k) => [k, new Array(N)]));
for (let i = 0; i < N; i++) {
  data.session_id![i] = 1000 + (i >> 2); data.timestamp![i] = 1396310400000 + i * 100; data.item_id![i] = 214536502 + (i % 5000);
  data.category![i] = i % 3 ? '0' : String(i % 12); data._topic![i] = 'km.clicks.raw.v1'; data._partition![i] = 1; data._offset![i] = i;
}
const w = await parquet.ParquetWriter.openStream(schema, out, { useDataPageV2: false, pageIndex: false });
const zeros = new Array(N).fill(0);
const columnData: Record<string, unknown> = {}; const pages: Record<string, unknown[]> = {};
for (const f of schema.fieldList) { columnData[f.path] = { dlevels: zeros.slice(), rlevels: zeros.slice(), values: data[f.name], distinct_values: new Set(), count: N }; pages[f.path] = []; }
w.rowBuffer = { rowCount: N, pageRowCount: N, columnData, pages };
await w.close();
const buf = Buffer.concat(chunks);
console.log('ms', performance.now() - t0, 'bytes', buf.length, 'B/row', buf.length / N);
fs.writeFileSync('/work/main/.tmp-lakeexp/b.parquet', buf);
}
const r = await parquet.ParquetReader.openBuffer(fs.readFileSync('/work/main/.tmp-lakeexp/b.parquet'));
const c = r.getCursor(); console.log(await c.next(), await c.next(), r.getRowCount());
