-- Anomalous sessions found by the detector (SPEC §3). One row per
-- (session_id, anomaly_type, window_start): the detector upserts, so replays
-- and restarts never add a second row.
CREATE TABLE IF NOT EXISTS anomaly_sessions (
    session_id    BIGINT      NOT NULL,
    anomaly_type  TEXT        NOT NULL CHECK (anomaly_type IN ('HIGH_FREQUENCY', 'BOT_LIKE')),
    window_start  TIMESTAMPTZ NOT NULL,
    window_end    TIMESTAMPTZ NOT NULL,
    click_count   INTEGER     NOT NULL CHECK (click_count >= 0),
    unique_items  INTEGER     NOT NULL CHECK (unique_items >= 0),
    detected_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, anomaly_type, window_start)
);

-- "latest" and time-range queries
CREATE INDEX IF NOT EXISTS anomaly_sessions_window_start_idx ON anomaly_sessions (window_start DESC);
CREATE INDEX IF NOT EXISTS anomaly_sessions_detected_at_idx ON anomaly_sessions (detected_at DESC);
-- "by type" over time
CREATE INDEX IF NOT EXISTS anomaly_sessions_type_window_idx ON anomaly_sessions (anomaly_type, window_start DESC);
-- "by session" is served by the primary key's leading column.
