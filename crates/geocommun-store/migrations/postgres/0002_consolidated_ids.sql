-- The BAN identifiers a computed revision's consolidation gave (commune, streets and
-- lieux-dits, addresses); the next revision of the commune keeps them (docs/store.md).
CREATE TABLE consolidated_ids (
    revision_id TEXT NOT NULL REFERENCES revisions(id),
    kind        TEXT NOT NULL,
    key         TEXT NOT NULL,
    ban_id      TEXT NOT NULL,
    cle_interop TEXT,
    PRIMARY KEY (revision_id, kind, key)
);
