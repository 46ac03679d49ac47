
INSERT INTO notes_archiveversion (id, version, changed_at) VALUES (1, 1, now())
ON CONFLICT (id) DO NOTHING;

CREATE OR REPLACE FUNCTION notes_bump_archive_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE notes_archiveversion SET version = version + 1, changed_at = now() WHERE id = 1;
    RETURN NULL;
END $$;

CREATE TRIGGER notes_bump_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON notes_body
    FOR EACH STATEMENT EXECUTE FUNCTION notes_bump_archive_version();
CREATE TRIGGER notes_bump_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON notes_meeting
    FOR EACH STATEMENT EXECUTE FUNCTION notes_bump_archive_version();
CREATE TRIGGER notes_bump_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON notes_agendaitem
    FOR EACH STATEMENT EXECUTE FUNCTION notes_bump_archive_version();
CREATE TRIGGER notes_bump_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON notes_annotation
    FOR EACH STATEMENT EXECUTE FUNCTION notes_bump_archive_version();
CREATE TRIGGER notes_bump_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON notes_annotation_parties
    FOR EACH STATEMENT EXECUTE FUNCTION notes_bump_archive_version();
CREATE TRIGGER notes_bump_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON notes_annotation_signatories
    FOR EACH STATEMENT EXECUTE FUNCTION notes_bump_archive_version();
CREATE TRIGGER notes_bump_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON notes_party
    FOR EACH STATEMENT EXECUTE FUNCTION notes_bump_archive_version();
CREATE TRIGGER notes_bump_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON notes_person
    FOR EACH STATEMENT EXECUTE FUNCTION notes_bump_archive_version();
