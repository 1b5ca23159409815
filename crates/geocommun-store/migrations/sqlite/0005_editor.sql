-- The editor (issue #7, docs/editor.md): the built-in editor client, sign-in sessions, and
-- drafts kept server-side with every version (append-only: undo adds a version).

-- The server's own clients are marked: `builtin = 'editor'` is the editor of the web UI. It
-- has no token (its `token_hash` is empty and `authenticate` refuses built-in clients): it
-- acts only through an editor session, with the habilitation the session was opened with.
ALTER TABLE clients ADD COLUMN builtin TEXT;
CREATE UNIQUE INDEX clients_builtin ON clients (builtin);

-- A signed-in person of a mairie: the token (shown once, in a cookie) is kept as the SHA-256
-- of its random part; the session acts for one commune, with one accepted habilitation
-- (revoking the habilitation ends its sessions).
CREATE TABLE editor_sessions (
    id              TEXT PRIMARY KEY,
    token_hash      BLOB NOT NULL,
    commune         TEXT NOT NULL,
    habilitation_id TEXT NOT NULL REFERENCES habilitations(id),
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    ended_at        INTEGER
);
CREATE INDEX editor_sessions_habilitation ON editor_sessions (habilitation_id);

-- A commune's draft: at most one open per commune. `head_version` is its latest version
-- (an operation moves it from N to N + 1 only if it is still N: concurrent edits conflict).
CREATE TABLE drafts (
    id               TEXT PRIMARY KEY,
    commune          TEXT NOT NULL,
    base_revision_id TEXT REFERENCES revisions(id),  -- NULL: built from the fallback data
    head_version     BIGINT NOT NULL,
    created_by       TEXT NOT NULL REFERENCES editor_sessions(id),
    created_at       BIGINT NOT NULL,
    closed_at        BIGINT,
    closed_reason    TEXT CHECK (closed_reason IN ('published', 'abandoned')),
    revision_id      TEXT REFERENCES revisions(id)   -- the revision it was published as
);
CREATE UNIQUE INDEX drafts_open ON drafts (commune) WHERE closed_at IS NULL;

-- Every version of every draft. Version 0 holds the draft as built from its base
-- (`snapshot`, JSON); version N > 0 applies `operation` (JSON) to the state of version
-- `parent`, or, for an undo (`operation` NULL), is the state of version `state_of`.
CREATE TABLE draft_versions (
    draft_id   TEXT NOT NULL REFERENCES drafts(id),
    version    BIGINT NOT NULL,
    state_of   BIGINT NOT NULL,
    parent     BIGINT,
    operation  TEXT,
    snapshot   TEXT,
    session_id TEXT NOT NULL REFERENCES editor_sessions(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (draft_id, version)
);

CREATE TRIGGER draft_versions_immutable BEFORE UPDATE ON draft_versions
BEGIN
    SELECT RAISE(ABORT, 'draft versions are append-only');
END;
CREATE TRIGGER draft_versions_kept BEFORE DELETE ON draft_versions
BEGIN
    SELECT RAISE(ABORT, 'draft versions are append-only');
END;
CREATE TRIGGER drafts_kept BEFORE DELETE ON drafts
BEGIN
    SELECT RAISE(ABORT, 'drafts are kept');
END;
CREATE TRIGGER drafts_closed BEFORE UPDATE ON drafts
WHEN OLD.closed_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a closed draft never changes');
END;
