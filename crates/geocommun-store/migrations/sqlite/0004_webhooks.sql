-- Webhooks (issue #6): a client's subscriptions to the change feed, delivered at least once
-- in feed order, with what could not be delivered kept as dead letters.
CREATE TABLE webhooks (
    id              TEXT PRIMARY KEY,
    client_id       TEXT NOT NULL REFERENCES clients(id),
    url             TEXT NOT NULL,
    secret          TEXT NOT NULL,         -- HMAC key of the signatures (shown once)
    scope_kind      TEXT NOT NULL CHECK (scope_kind IN ('all', 'commune', 'departement')),
    scope_code      TEXT,
    cursor          BIGINT NOT NULL,       -- the last change delivered or dead-lettered
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    deleted_at      BIGINT
);
CREATE INDEX webhooks_client ON webhooks (client_id);

CREATE TABLE webhook_dead_letters (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id  TEXT NOT NULL REFERENCES webhooks(id),
    first_seq   BIGINT NOT NULL,
    last_seq    BIGINT NOT NULL,
    attempts    BIGINT NOT NULL,
    last_error  TEXT,
    payload     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX webhook_dead_letters_webhook ON webhook_dead_letters (webhook_id, id);
