-- The commons, part 1: clients, the mairie directory, habilitations, revisions and their
-- files, the current revision of each commune, the event log.
-- Times are milliseconds since 1970-01-01 UTC; ids are UUID text (the same in SQLite).

CREATE TABLE clients (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    token_hash  BYTEA NOT NULL,            -- SHA-256 of the token's random part
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

CREATE TABLE client_perimeters (
    client_id   TEXT NOT NULL REFERENCES clients(id),
    kind        TEXT NOT NULL CHECK (kind IN ('commune', 'epci', 'departement')),
    code        TEXT NOT NULL,
    PRIMARY KEY (client_id, kind, code)
);

CREATE TABLE mairie_emails (
    commune     TEXT NOT NULL,
    email       TEXT NOT NULL,
    imported_at BIGINT NOT NULL,
    PRIMARY KEY (commune, email)
);

CREATE TABLE habilitations (
    id              TEXT PRIMARY KEY,
    client_id       TEXT NOT NULL REFERENCES clients(id),
    commune         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected', 'revoked')),
    email           TEXT,
    code_mac        BYTEA,                 -- HMAC-SHA-256(server secret, id ':' code)
    code_sent_at    BIGINT,
    code_expires_at BIGINT,
    attempts_left   BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    accepted_at     BIGINT,
    rejected_at     BIGINT,
    revoked_at      BIGINT
);
CREATE INDEX habilitations_client_commune ON habilitations (client_id, commune, status);

CREATE TABLE revisions (
    id               TEXT PRIMARY KEY,
    commune          TEXT NOT NULL,
    client_id        TEXT NOT NULL REFERENCES clients(id),
    status           TEXT NOT NULL CHECK (status IN ('pending', 'ready', 'invalid', 'published')),
    author           TEXT,
    organisation     TEXT,
    file_sha256      BYTEA,
    file_size        BIGINT,
    report           TEXT,                 -- RevisionReport as JSON
    address_count    BIGINT,
    base_revision_id TEXT,                 -- the current revision when it was computed
    habilitation_id  TEXT REFERENCES habilitations(id),
    created_at       BIGINT NOT NULL,
    computed_at      BIGINT,
    published_at     BIGINT
);
CREATE INDEX revisions_commune ON revisions (commune, created_at);

CREATE TABLE revision_files (
    revision_id TEXT PRIMARY KEY REFERENCES revisions(id),
    bytes       BYTEA NOT NULL,
    sha256      BYTEA NOT NULL
);

CREATE TABLE current_revisions (
    commune      TEXT PRIMARY KEY,
    revision_id  TEXT NOT NULL REFERENCES revisions(id),
    published_at BIGINT NOT NULL
);

-- Ids are handed out in commit order: publications take a transaction-scoped advisory lock
-- before inserting (see postgres.rs), so a reader following `id > cursor` misses nothing.
CREATE TABLE events (
    id                   BIGSERIAL PRIMARY KEY,
    kind                 TEXT NOT NULL,
    commune              TEXT NOT NULL,
    revision_id          TEXT NOT NULL REFERENCES revisions(id),
    previous_revision_id TEXT REFERENCES revisions(id),
    addressee_client_id  TEXT REFERENCES clients(id),
    created_at           BIGINT NOT NULL
);

-- A published revision and its file never change.
CREATE FUNCTION geocommun_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0];
END;
$$;
CREATE TRIGGER revisions_immutable BEFORE UPDATE ON revisions
    FOR EACH ROW WHEN (OLD.status = 'published')
    EXECUTE FUNCTION geocommun_refuse('a published revision is immutable');
CREATE TRIGGER revisions_kept BEFORE DELETE ON revisions
    FOR EACH ROW EXECUTE FUNCTION geocommun_refuse('revisions are kept forever');
CREATE TRIGGER revision_files_immutable BEFORE UPDATE OR DELETE ON revision_files
    FOR EACH ROW EXECUTE FUNCTION geocommun_refuse('revision files are immutable and kept forever');
