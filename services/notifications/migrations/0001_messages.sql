-- Who can be told something, as projected from other services' events: contact data only.
CREATE TABLE recipient (
    id                 uuid        PRIMARY KEY,
    kind               text        NOT NULL CHECK (kind IN ('participant', 'partner', 'mentor', 'staff')),
    preferred_language text        NOT NULL CHECK (preferred_language IN ('fi', 'sv', 'en')),
    given_name         text,
    email              text,
    phone              text,
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- Every message to a person, once per (event, recipient, channel), with its status.
CREATE TABLE message (
    id           uuid        PRIMARY KEY,
    recipient_id uuid        NOT NULL REFERENCES recipient (id),
    event_id     uuid        NOT NULL,
    channel      text        NOT NULL CHECK (channel IN ('in_app', 'email', 'sms')),
    template     text        NOT NULL,
    language     text        NOT NULL,
    subject      text        NOT NULL,
    body         text        NOT NULL,
    status       text        NOT NULL CHECK (status IN ('queued', 'held', 'sent', 'failed')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz,
    read_at      timestamptz,
    UNIQUE (event_id, recipient_id, channel)
);
CREATE INDEX message_recipient_newest ON message (recipient_id, created_at DESC, id DESC);
