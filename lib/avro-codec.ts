/**
 * Avro in the Confluent wire format (magic byte 0, 4-byte schema id, Avro
 * body). Schemas are registered through the registry client under
 * TopicNameStrategy (`<topic>-value`) with BACKWARD compatibility; encoding
 * then runs locally with the compiled avsc type (no registry round trip per
 * message), and decoding fetches and caches each writer schema by id.
 */
import avro from 'avsc';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import type { EventSchema } from '../schemas/index.ts';
import { GuardianError } from './errors.ts';
import { retry } from './retry.ts';

const MAGIC_BYTE = 0;
const HEADER_SIZE = 5;

export interface ValueEncoder<T> {
  readonly schemaId: number;
  readonly subject: string;
  encode(value: T): Buffer;
}

export class SchemaIncompatibleError extends GuardianError {}

export const valueSubject = (topic: string): string => `${topic}-value`;

/** Registers the schema for `<topic>-value` (auto-registration on first use) and returns a local encoder. */
export async function registerValueEncoder<T>(
  registry: SchemaRegistry,
  topic: string,
  schema: EventSchema<T>,
): Promise<ValueEncoder<T>> {
  const subject = valueSubject(topic);
  let id: number;
  try {
    // Two processes registering a new subject at once: the second may read the subject's
    // compatibility before the first has set it to BACKWARD (the client refuses the mismatch),
    // or both may try to set it (Apicurio answers 409 "rule ... already exists"). The first
    // sets it right after registering, so a short retry settles either race.
    ({ id } = await retry(
      () => registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema.schema) }, { subject }),
      {
        attempts: 6,
        initialDelayMs: 100,
        isRetriable: (error) =>
          (error as Error).name === 'ConfluentSchemaRegistryCompatibilityError' ||
          /rule named 'COMPATIBILITY' already exists/i.test((error as Error).message),
        description: `registering ${schema.name} for ${subject}`,
      },
    ));
  } catch (wrapped) {
    const error = (wrapped as Error).cause ?? wrapped;
    const message = (error as Error).message;
    if (/incompatib|409/i.test(message) || (error as { status?: number }).status === 409) {
      throw new SchemaIncompatibleError(
        `schema ${schema.name} (${schema.file}) is refused by the registry for subject ${subject}: it is not BACKWARD compatible with the registered versions (${message})`,
        { cause: error },
      );
    }
    throw new GuardianError(`cannot register schema ${schema.name} for subject ${subject}: ${message}`, { retriable: true, cause: error });
  }
  const type = schema.type;
  return {
    schemaId: id,
    subject,
    encode(value: T): Buffer {
      const body = type.toBuffer(value);
      const out = Buffer.allocUnsafe(HEADER_SIZE + body.length);
      out.writeUInt8(MAGIC_BYTE, 0);
      out.writeInt32BE(id, 1);
      body.copy(out, HEADER_SIZE);
      return out;
    },
  };
}

/**
 * Decodes Confluent-framed Avro into the reader schema's shape, resolving
 * from whatever writer schema the message names (schema evolution).
 */
export function createValueDecoder<T>(registry: SchemaRegistry, reader: EventSchema<T>): (message: Buffer) => Promise<T> {
  const resolvers = new Map<number, Promise<avro.Resolver>>();
  const resolverFor = (id: number) => {
    let resolver = resolvers.get(id);
    if (!resolver) {
      resolver = registry.getSchema(id).then((writerSchema) => {
        // The registry client compiles schemas with its own copy of avsc: rebuild from the JSON.
        const writer = avro.Type.forSchema((writerSchema as unknown as avro.Type).schema() as avro.Schema);
        return reader.type.createResolver(writer);
      });
      resolver.catch(() => resolvers.delete(id));
      resolvers.set(id, resolver);
    }
    return resolver;
  };
  return async (message: Buffer): Promise<T> => {
    if (message.length < HEADER_SIZE || message.readUInt8(0) !== MAGIC_BYTE) {
      throw new GuardianError('not a Confluent-framed Avro message (missing magic byte)');
    }
    const id = message.readInt32BE(1);
    const resolver = await resolverFor(id);
    return reader.type.fromBuffer(message.subarray(HEADER_SIZE), resolver) as T;
  };
}
