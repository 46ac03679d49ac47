"""Let bulk loads switch the search triggers off and compute each vector once.

With the triggers of 0003, a bulk-inserted annotation had its vector computed three times
(the row, then its party links, then its signatory links) and the vocabulary updated three
times. A loader now sets `notes.defer_search_vector` for its transaction, inserts, and calls
`notes.search.refresh_search_vectors(ids)` once per batch.
"""

from django.db import migrations

GUARD = "IF current_setting('notes.defer_search_vector', true) = 'on' THEN RETURN {ret}; END IF;"

FORWARD = rf"""
CREATE OR REPLACE FUNCTION notes_annotation_vector_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {GUARD.format(ret="NEW")}
    NEW.search_vector := notes_annotation_vector(NEW.id, NEW.item_id, NEW.text);
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION notes_annotation_links_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {GUARD.format(ret="NULL")}
    UPDATE notes_annotation a
    SET search_vector = notes_annotation_vector(a.id, a.item_id, a.text)
    WHERE a.id IN (SELECT annotation_id FROM changed_links);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION notes_vocabulary_add() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {GUARD.format(ret="NULL")}
    INSERT INTO notes_searchword (word)
    SELECT DISTINCT lexeme FROM changed_rows, unnest(changed_rows.search_vector)
    WHERE changed_rows.search_vector IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
"""

REVERSE = r"""
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
"""


class Migration(migrations.Migration):
    dependencies = [("notes", "0003_search")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
