
CREATE OR REPLACE FUNCTION notes_annotation_vector(a_id bigint, a_item bigint, a_text text)
RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT
        setweight(to_tsvector('swedish', coalesce(i.title, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(i.case_number, '')), 'A')
        || setweight(to_tsvector('swedish', coalesce(a_text, '')), 'B')
        || setweight(to_tsvector('swedish', coalesce((
            SELECT string_agg(p.name || ' ' || p.abbreviation, ' ')
            FROM notes_annotation_parties ap JOIN notes_party p ON p.id = ap.party_id
            WHERE ap.annotation_id = a_id), '')), 'C')
        || setweight(to_tsvector('swedish', coalesce((
            SELECT string_agg(pe.name, ' ')
            FROM notes_annotation_signatories s JOIN notes_person pe ON pe.id = s.person_id
            WHERE s.annotation_id = a_id), '')), 'C')
    FROM notes_agendaitem i WHERE i.id = a_item
$$;

-- The annotation's own row: computed before it is written.
CREATE OR REPLACE FUNCTION notes_annotation_vector_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := notes_annotation_vector(NEW.id, NEW.item_id, NEW.text);
    RETURN NEW;
END $$;
CREATE TRIGGER notes_annotation_vector_row
    BEFORE INSERT OR UPDATE OF text, item_id ON notes_annotation
    FOR EACH ROW EXECUTE FUNCTION notes_annotation_vector_row();

-- Parties and signatories are added after the row: recompute, once per statement.
CREATE OR REPLACE FUNCTION notes_annotation_links_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE notes_annotation a
    SET search_vector = notes_annotation_vector(a.id, a.item_id, a.text)
    WHERE a.id IN (SELECT annotation_id FROM changed_links);
    RETURN NULL;
END $$;
CREATE TRIGGER notes_parties_inserted AFTER INSERT ON notes_annotation_parties
    REFERENCING NEW TABLE AS changed_links
    FOR EACH STATEMENT EXECUTE FUNCTION notes_annotation_links_changed();
CREATE TRIGGER notes_parties_deleted AFTER DELETE ON notes_annotation_parties
    REFERENCING OLD TABLE AS changed_links
    FOR EACH STATEMENT EXECUTE FUNCTION notes_annotation_links_changed();
CREATE TRIGGER notes_signatories_inserted AFTER INSERT ON notes_annotation_signatories
    REFERENCING NEW TABLE AS changed_links
    FOR EACH STATEMENT EXECUTE FUNCTION notes_annotation_links_changed();
CREATE TRIGGER notes_signatories_deleted AFTER DELETE ON notes_annotation_signatories
    REFERENCING OLD TABLE AS changed_links
    FOR EACH STATEMENT EXECUTE FUNCTION notes_annotation_links_changed();

-- An item's title or case number, a party's or a person's name: recompute their annotations.
CREATE OR REPLACE FUNCTION notes_item_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE notes_annotation a
    SET search_vector = notes_annotation_vector(a.id, a.item_id, a.text)
    WHERE a.item_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER notes_item_changed AFTER UPDATE OF title, case_number ON notes_agendaitem
    FOR EACH ROW EXECUTE FUNCTION notes_item_changed();

CREATE OR REPLACE FUNCTION notes_party_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE notes_annotation a
    SET search_vector = notes_annotation_vector(a.id, a.item_id, a.text)
    WHERE a.id IN (SELECT annotation_id FROM notes_annotation_parties WHERE party_id = NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER notes_party_changed AFTER UPDATE OF name, abbreviation ON notes_party
    FOR EACH ROW EXECUTE FUNCTION notes_party_changed();

CREATE OR REPLACE FUNCTION notes_person_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE notes_annotation a
    SET search_vector = notes_annotation_vector(a.id, a.item_id, a.text)
    WHERE a.id IN (
        SELECT annotation_id FROM notes_annotation_signatories WHERE person_id = NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER notes_person_changed AFTER UPDATE OF name ON notes_person
    FOR EACH ROW EXECUTE FUNCTION notes_person_changed();

-- The vocabulary for compound-word parts, once per statement.
CREATE OR REPLACE FUNCTION notes_vocabulary_add() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO notes_searchword (word)
    SELECT DISTINCT lexeme FROM changed_rows, unnest(changed_rows.search_vector)
    WHERE changed_rows.search_vector IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER notes_vocabulary_insert AFTER INSERT ON notes_annotation
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notes_vocabulary_add();
CREATE TRIGGER notes_vocabulary_update AFTER UPDATE ON notes_annotation
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notes_vocabulary_add();

-- Rows that existed before this migration.
UPDATE notes_annotation SET search_vector = notes_annotation_vector(id, item_id, text);
