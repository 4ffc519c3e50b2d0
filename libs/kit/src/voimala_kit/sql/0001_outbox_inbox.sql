-- The platform's own tables, the same in every service's database.

-- Events written in the same transaction as the change they describe; the relay publishes
-- them and deletes them. `position` orders them; `lane` groups keys so that one relay replica
-- at a time owns a lane, which keeps one aggregate's events in order across replicas.
CREATE TABLE outbox (
    position   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id   uuid        NOT NULL UNIQUE,
    topic      text        NOT NULL,
    key        text        NOT NULL,
    lane       smallint    NOT NULL GENERATED ALWAYS AS (mod(abs(hashtext(key)), 64)) STORED,
    payload    bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_lane_position ON outbox (lane, position);

-- Wake the relay at commit instead of making it poll; NOTIFY is delivered only on commit,
-- and several in one transaction fold into one.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', '');
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Events already applied by a consumer, recorded in the same transaction as their effect.
CREATE TABLE inbox (
    consumer     text        NOT NULL,
    event_id     uuid        NOT NULL,
    event_type   text        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
