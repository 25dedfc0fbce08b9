/**
 * Batching with backpressure: messages fill one batch while at most one
 * earlier batch is in flight, so memory stays bounded by two batches and a
 * slow broker slows the reader instead of growing a queue. A message counts
 * as produced only once the broker acknowledged its batch (acks = all).
 */
import type { Message, Producer } from 'kafkajs';

export class BatchSender {
  private batch: Message[] = [];
  private inFlight: Promise<void> = Promise.resolve();
  private failure: unknown;
  acknowledged = 0;

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly batchSize = 5000,
  ) {}

  /** Adds a message; resolves when it may be followed by the next one (backpressure). */
  async add(message: Message): Promise<void> {
    this.batch.push(message);
    if (this.batch.length >= this.batchSize) await this.sendBatch();
  }

  /** Sends what is buffered and waits until everything is acknowledged. */
  async flush(): Promise<void> {
    await this.sendBatch();
    await this.inFlight;
    if (this.failure) throw this.failure;
  }

  private async sendBatch(): Promise<void> {
    await this.inFlight;
    if (this.failure) throw this.failure;
    if (this.batch.length === 0) return;
    const messages = this.batch;
    this.batch = [];
    this.inFlight = this.producer
      .send({ topic: this.topic, acks: -1, messages })
      .then(() => {
        this.acknowledged += messages.length;
      })
      .catch((error: unknown) => {
        this.failure = error;
      });
  }
}
