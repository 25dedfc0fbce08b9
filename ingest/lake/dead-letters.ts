/**
 * Dead letters of the lake sink: a Kafka message that cannot become a lake
 * row (not Confluent-framed Avro, an unknown schema id, no usable event time,
 * an empty value) goes to the dead-letter topic as an Avro `DeadLetter` —
 * source = the topic, raw = the value (base64 unless valid UTF-8), reason
 * naming partition and offset — and the sink goes on.
 *
 * Delivery: the send is acknowledged (acks = all) before the sink moves past
 * the message, so the committed offset never passes an undelivered dead
 * letter; after a crash a dead letter may be sent twice (at least once).
 */
import type { Producer } from 'kafkajs';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { registerValueEncoder, type ValueEncoder } from '../../lib/avro-codec.ts';
import { deadLetterSchema, type DeadLetter } from '../../schemas/index.ts';

export class DeadLetterSender {
  private encoder: Promise<ValueEncoder<DeadLetter>> | undefined;
  sent = 0;

  constructor(
    private readonly producer: Producer,
    private readonly registry: SchemaRegistry,
    readonly topic: string,
  ) {}

  async send(source: { topic: string; partition: number; offset: string }, value: Buffer | null, reason: string): Promise<void> {
    this.encoder ??= registerValueEncoder(this.registry, this.topic, deadLetterSchema);
    this.encoder.catch(() => (this.encoder = undefined));
    const encoder = await this.encoder;
    const text = value?.toString('utf8');
    const raw = value === null ? '' : Buffer.from(text!, 'utf8').equals(value) ? text! : value.toString('base64');
    const letter: DeadLetter = {
      source: source.topic,
      raw,
      line: null,
      reason: `partition ${source.partition} offset ${source.offset}: ${reason}`,
      error_time: Date.now(),
    };
    await this.producer.send({ topic: this.topic, acks: -1, messages: [{ value: encoder.encode(letter) }] });
    this.sent++;
  }
}
