/**
 * The reader schema the sink decodes a topic with, which also fixes the
 * columns of its lake files: the project's `.avsc` for the topics of SPEC §2,
 * otherwise (a side topic, a test topic) the latest schema registered under
 * `<topic>-value`. Messages written with other (compatible) versions are
 * resolved to it, so every file of a run has the same columns; a new schema
 * version shows up in the lake after the sink restarts.
 *
 * The registered schema is read as text from the Confluent-compatible API
 * (`GET /subjects/<subject>/versions/latest`): the registry client's compiled
 * type drops `logicalType`, which types the Parquet columns.
 */
import avro from 'avsc';
import { valueSubject } from '../../lib/avro-codec.ts';
import { ConfigError, ServiceUnavailableError } from '../../lib/errors.ts';
import { TOPIC_VALUE_SCHEMAS, type EventSchema } from '../../schemas/index.ts';

export type LakeValue = Record<string, unknown>;

export async function valueSchemaFor(topic: string, registryUrl: string): Promise<EventSchema<LakeValue>> {
  const known = (TOPIC_VALUE_SCHEMAS as Record<string, EventSchema<unknown>>)[topic];
  if (known) return known as EventSchema<LakeValue>;
  const subject = valueSubject(topic);
  const url = `${registryUrl.replace(/\/+$/, '')}/subjects/${encodeURIComponent(subject)}/versions/latest`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new ServiceUnavailableError('schema registry', `${registryUrl}: ${(error as Error).message}`, { cause: error });
  }
  if (!response.ok) {
    throw new ConfigError(`topic ${topic}: no value schema registered under ${subject} (HTTP ${response.status}); produce to it first or register its schema`);
  }
  const json = JSON.parse(((await response.json()) as { schema: string }).schema) as avro.Schema;
  const type = avro.Type.forSchema(json);
  return {
    name: type.name ?? subject,
    file: `registry:${subject}`,
    schema: json,
    type,
    isValid: (value: unknown): value is LakeValue => type.isValid(value),
    problems: (value: unknown) => (type.isValid(value) ? [] : ['does not match the registered schema']),
  };
}
