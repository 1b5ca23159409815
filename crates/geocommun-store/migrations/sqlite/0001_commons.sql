-- The commons, part 1: clients, the mairie directory, habilitations, revisions and their
-- files, the current revision of each commune, the event log.
-- Times are milliseconds since 1970-01-01 UTC; ids are UUID text.

CREATE TABLE clients (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    token_hash  BLOB NOT NULL,             -- SHA-256 of the token's random part
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
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
    imported_at INTEGER NOT NULL,
    PRIMARY KEY (commune, email)
);

CREATE TABLE habilitations (
    id              TEXT PRIMARY KEY,
    client_id       TEXT NOT NULL REFERENCES clients(id),
    commune         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected', 'revoked')),
    email           TEXT,
    code_mac        BLOB,                  -- HMAC-SHA-256(server secret, id ':' code)
    code_sent_at    INTEGER,
    code_expires_at INTEGER,
    attempts_left   INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    accepted_at     INTEGER,
    rejected_at     INTEGER,
    revoked_at      INTEGER
);
CREATE INDEX habilitations_client_commune ON habilitations (client_id, commune, status);

CREATE TABLE revisions (
    id               TEXT PRIMARY KEY,
    commune          TEXT NOT NULL,
    client_id        TEXT NOT NULL REFERENCES clients(id),
    status           TEXT NOT NULL CHECK (status IN ('pending', 'ready', 'invalid', 'published')),
    author           TEXT,
    organisation     TEXT,
    file_sha256      BLOB,
    file_size        INTEGER,
    report           TEXT,                 -- RevisionReport as JSON
    address_count    INTEGER,
    base_revision_id TEXT,                 -- the current revision when it was computed
    habilitation_id  TEXT REFERENCES habilitations(id),
    created_at       INTEGER NOT NULL,
    computed_at      INTEGER,
    published_at     INTEGER
);
CREATE INDEX revisions_commune ON revisions (commune, created_at);

CREATE TABLE revision_files (
    revision_id TEXT PRIMARY KEY REFERENCES revisions(id),
    bytes       BLOB NOT NULL,
    sha256      BLOB NOT NULL
);

CREATE TABLE current_revisions (
    commune      TEXT PRIMARY KEY,
    revision_id  TEXT NOT NULL REFERENCES revisions(id),
    published_at INTEGER NOT NULL
);

CREATE TABLE events (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    kind                 TEXT NOT NULL,
    commune              TEXT NOT NULL,
    revision_id          TEXT NOT NULL REFERENCES revisions(id),
    previous_revision_id TEXT REFERENCES revisions(id),
    addressee_client_id  TEXT REFERENCES clients(id),
    created_at           INTEGER NOT NULL
);

-- A published revision and its file never change.
CREATE TRIGGER revisions_immutable BEFORE UPDATE ON revisions
WHEN OLD.status = 'published'
BEGIN
    SELECT RAISE(ABORT, 'a published revision is immutable');
END;
CREATE TRIGGER revisions_kept BEFORE DELETE ON revisions
BEGIN
    SELECT RAISE(ABORT, 'revisions are kept forever');
END;
CREATE TRIGGER revision_files_immutable BEFORE UPDATE ON revision_files
BEGIN
    SELECT RAISE(ABORT, 'revision files are immutable');
END;
CREATE TRIGGER revision_files_kept BEFORE DELETE ON revision_files
BEGIN
    SELECT RAISE(ABORT, 'revision files are kept forever');
END;
