/**
 * Reads a request body into one Buffer, decoding `Content-Encoding` (gzip,
 * x-gzip, deflate, br; zstd where this Node has it) as ClickHouse's HTTP
 * interface does, and splits a `multipart/form-data` body (clickhouse-js sends
 * large query parameters that way) into form fields. Guarantees: an
 * unsupported encoding is UNKNOWN_COMPRESSION_METHOD and a corrupt stream is
 * CANNOT_DECOMPRESS, both before anything runs; form fields come back in order
 * as `[name, value]` pairs, to be merged with the URL parameters as
 * ClickHouse's HTMLForm merges them; file parts (external tables) are refused.
 */
import type { IncomingMessage } from 'node:http';
import type { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { ClickHouseHttpError } from './clickhouse-errors.ts';

function decoderFor(contentEncoding: string | undefined): Transform | undefined {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  switch (encoding) {
    case '':
    case 'identity':
    case 'none':
      return undefined;
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    case 'zstd': {
      const create = (zlib as unknown as { createZstdDecompress?: () => Transform }).createZstdDecompress;
      if (create) return create();
      break;
    }
  }
  throw new ClickHouseHttpError('UNKNOWN_COMPRESSION_METHOD', `Unknown HTTP compression method: ${encoding}`);
}

/** The whole (decoded) body. */
export async function readRequestBody(req: IncomingMessage): Promise<Buffer> {
  const decoder = decoderFor(req.headers['content-encoding']);
  const chunks: Buffer[] = [];
  const collect = async (source: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of source) chunks.push(chunk);
  };
  if (!decoder) {
    await collect(req);
    return Buffer.concat(chunks);
  }
  try {
    await pipeline(req, decoder, collect);
  } catch (error) {
    throw new ClickHouseHttpError('CANNOT_DECOMPRESS', `Cannot decompress the request body: ${(error as Error).message}`, { cause: error });
  }
  return Buffer.concat(chunks);
}

export const isMultipart = (contentType: string | undefined): boolean => /^multipart\/form-data\b/i.test(contentType ?? '');

/** The text fields of a multipart/form-data body. */
export async function readFormFields(body: Buffer, contentType: string): Promise<Array<[string, string]>> {
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength), { headers: { 'content-type': contentType } }).formData();
  } catch (error) {
    throw new ClickHouseHttpError('BAD_ARGUMENTS', `Cannot parse the multipart/form-data body: ${(error as Error).message}`, { cause: error });
  }
  const fields: Array<[string, string]> = [];
  for (const [name, value] of form) {
    if (typeof value !== 'string') {
      throw new ClickHouseHttpError('NOT_IMPLEMENTED', `External data (file part '${name}') is not supported by the embedded endpoint`);
    }
    fields.push([name, value]);
  }
  return fields;
}
