-- The change feed (issue #6): what each publication changed, object by object, numbered
-- without gaps in commit order (publications take the events lock, then `seq` = max + 1).
-- It is also the history: an object's rows, by `seq`, are its versions and their validity.
CREATE TABLE changes (
    seq         BIGINT PRIMARY KEY,
    event_id    BIGINT NOT NULL REFERENCES events(id),
    kind        TEXT NOT NULL,
    commune     TEXT NOT NULL,
    departement TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    revision_id TEXT NOT NULL REFERENCES revisions(id),
    at          BIGINT NOT NULL,
    data        TEXT                   -- the object after the change (JSON); NULL once retired
);
CREATE INDEX changes_commune ON changes (commune, seq);
CREATE INDEX changes_departement ON changes (departement, seq);

CREATE TRIGGER changes_immutable BEFORE UPDATE ON changes
BEGIN
    SELECT RAISE(ABORT, 'the change feed is append-only');
END;
CREATE TRIGGER changes_kept BEFORE DELETE ON changes
BEGIN
    SELECT RAISE(ABORT, 'the change feed is append-only');
END;
