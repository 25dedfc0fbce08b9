-- State of the anomaly detector (detector/, issue 5). The detector's
-- exactly-once design is described in detector/detector.ts.

-- One checkpoint per (consumer group, input topic, partition): the window
-- engine's state after consuming every message below next_offset. Written in
-- the same transaction as the anomaly rows it led to; a restart, or the next
-- owner of the partition after a rebalance, restores it and seeks the
-- consumer to next_offset. A checkpoint only ever moves forward.
CREATE TABLE IF NOT EXISTS detector_checkpoints (
    group_id        TEXT        NOT NULL,
    topic           TEXT        NOT NULL,
    partition       INTEGER     NOT NULL CHECK (partition >= 0),
    next_offset     BIGINT      NOT NULL CHECK (next_offset >= 0),
    -- gzip of the engine's canonical JSON snapshot (detector/windows/snapshot.ts)
    snapshot        BYTEA       NOT NULL,
    -- informational copies of what the snapshot holds
    max_event_time  TIMESTAMPTZ,
    open_windows    INTEGER     NOT NULL CHECK (open_windows >= 0),
    written_by      TEXT        NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, topic, partition)
);

-- Anomaly rows inserted but not yet confirmed on the anomaly topic. A row is
-- enqueued in the transaction that inserts it into anomaly_sessions, and
-- removed once the broker acknowledged its AnomalyEvent.
CREATE TABLE IF NOT EXISTS anomaly_outbox (
    topic         TEXT        NOT NULL,
    session_id    BIGINT      NOT NULL,
    anomaly_type  TEXT        NOT NULL,
    window_start  TIMESTAMPTZ NOT NULL,
    enqueued_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, session_id, anomaly_type, window_start),
    FOREIGN KEY (session_id, anomaly_type, window_start)
        REFERENCES anomaly_sessions (session_id, anomaly_type, window_start) ON DELETE CASCADE
);
