
CREATE OR REPLACE FUNCTION notes_annotation_vector_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := notes_annotation_vector(NEW.id, NEW.item_id, NEW.text);
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION notes_annotation_links_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE notes_annotation a
    SET search_vector = notes_annotation_vector(a.id, a.item_id, a.text)
    WHERE a.id IN (SELECT annotation_id FROM changed_links);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION notes_vocabulary_add() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO notes_searchword (word)
    SELECT DISTINCT lexeme FROM changed_rows, unnest(changed_rows.search_vector)
    WHERE changed_rows.search_vector IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
