-- Annotation.item_number: a copy of its item's number (the "Ärende nr" filter), kept like the
-- copies of 0024, so that /notes/?item=N reads one table too. The 0024 functions now set it
-- as well; the item trigger also fires when an item's number changes.

-- Three plain statements, each joining whole tables once, and no nested loops: right after a
-- bulk load the planner has no statistics, took the tables for tiny and re-ran the party
-- aggregate once per annotation (minutes for a few thousand rows).
CREATE OR REPLACE FUNCTION notes_place_rebuild() RETURNS void
LANGUAGE sql SET enable_nestloop = off AS $$
    UPDATE notes_annotation a
       SET is_public = (m.published_at IS NOT NULL AND a.withdrawn_at IS NULL),
           body_key = m.body_id, item_number = i.number
      FROM notes_agendaitem i JOIN notes_meeting m ON m.id = i.meeting_id
     WHERE i.id = a.item_id
       AND (a.is_public, a.body_key, a.item_number)
           IS DISTINCT FROM ((m.published_at IS NOT NULL AND a.withdrawn_at IS NULL), m.body_id,
                             i.number);
    UPDATE notes_annotation a
       SET party_ids = l.ids
      FROM (SELECT annotation_id, array_agg(party_id ORDER BY party_id) AS ids
              FROM notes_annotation_parties GROUP BY 1) l
     WHERE l.annotation_id = a.id AND a.party_ids IS DISTINCT FROM l.ids;
    UPDATE notes_annotation a
       SET party_ids = '{}'
     WHERE a.party_ids <> '{}'
       AND NOT EXISTS (SELECT 1 FROM notes_annotation_parties ap WHERE ap.annotation_id = a.id);
$$;

SELECT set_config('notes.defer_search_vector', 'on', true);
SELECT set_config('notes.defer_facet_counts', 'on', true);
SELECT notes_place_rebuild();
SELECT set_config('notes.defer_facet_counts', 'off', true);
SELECT set_config('notes.defer_search_vector', 'off', true);

CREATE OR REPLACE FUNCTION notes_annotation_place() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    published boolean;
    body bigint;
    number integer;
BEGIN
    IF notes_facet_deferred() THEN
        RETURN NEW;
    END IF;
    SELECT m.published_at IS NOT NULL, m.body_id, i.number INTO published, body, number
      FROM notes_agendaitem i JOIN notes_meeting m ON m.id = i.meeting_id
     WHERE i.id = NEW.item_id;
    NEW.is_public := coalesce(published, false) AND NEW.withdrawn_at IS NULL;
    NEW.body_key := body;
    NEW.item_number := number;
    -- Links written before the row (the importer's pipeline) are found here; links written
    -- after it set the copy through notes_links_place.
    NEW.party_ids := coalesce((SELECT array_agg(party_id ORDER BY party_id)
                                 FROM notes_annotation_parties
                                WHERE annotation_id = NEW.id), '{}');
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION notes_annotations_placed_in(p_items bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE notes_annotation a
       SET is_public = (m.published_at IS NOT NULL AND a.withdrawn_at IS NULL),
           body_key = m.body_id, item_number = i.number
      FROM notes_agendaitem i JOIN notes_meeting m ON m.id = i.meeting_id
     WHERE i.id = ANY(p_items) AND a.item_id = i.id
       AND (a.is_public, a.body_key, a.item_number)
           IS DISTINCT FROM ((m.published_at IS NOT NULL AND a.withdrawn_at IS NULL), m.body_id,
                             i.number);
$$;

DROP TRIGGER notes_item_place ON notes_agendaitem;
CREATE TRIGGER notes_item_place AFTER UPDATE ON notes_agendaitem FOR EACH ROW
    WHEN (OLD.meeting_id IS DISTINCT FROM NEW.meeting_id
          OR OLD.number IS DISTINCT FROM NEW.number)
    EXECUTE FUNCTION notes_item_place();
