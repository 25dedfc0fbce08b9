-- Exactly-once publishing of the anomaly outbox (detector/outbox-publisher.ts).
-- Before a row is sent in a Kafka transaction, the anomaly topic's end
-- offsets at that moment are recorded on it (one element per partition, in
-- partition order) and committed. A publisher that takes over reads the topic
-- from these offsets and deletes the rows it finds there instead of
-- publishing them again. The first attempt's offsets are kept: offsets only
-- grow, so they bound every later attempt from below. NULL: never sent.
ALTER TABLE anomaly_outbox ADD COLUMN IF NOT EXISTS attempt_offsets BIGINT[];
