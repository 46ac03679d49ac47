-- Annotation.is_public, body_key and party_ids: copies of "its meeting is published and it is
-- not withdrawn", of its meeting's body and of its parties' ids (sorted), kept on the row so
-- that lists, counts and facets read one table (one covering index) instead of joining every
-- annotation to its item, meeting and party links (#19). Whatever a write sends for them, the
-- BEFORE trigger sets them; a meeting published, unpublished or moved to another body, an item
-- moved to another meeting, or a party link added or removed sets them on the annotations
-- concerned. With notes.defer_facet_counts 'on' (a bulk load) the triggers skip, and the
-- loader's rebuild_facet_counts() calls notes_place_rebuild().

-- Rows written by plain SQL that does not name the columns get the trigger's values, or
-- these defaults while the triggers are deferred.
ALTER TABLE notes_annotation ALTER COLUMN is_public SET DEFAULT false,
                             ALTER COLUMN party_ids SET DEFAULT '{}';

CREATE FUNCTION notes_place_rebuild() RETURNS void
LANGUAGE sql SET enable_nestloop = off AS $$
    UPDATE notes_annotation a
       SET is_public = s.is_public, body_key = s.body_id, party_ids = s.party_ids
      FROM (
            SELECT x.id, (m.published_at IS NOT NULL AND x.withdrawn_at IS NULL) AS is_public,
                   m.body_id, coalesce(l.ids, '{}') AS party_ids
              FROM notes_annotation x
              JOIN notes_agendaitem i ON i.id = x.item_id
              JOIN notes_meeting m ON m.id = i.meeting_id
              LEFT JOIN (SELECT annotation_id, array_agg(party_id ORDER BY party_id) AS ids
                           FROM notes_annotation_parties GROUP BY 1) l ON l.annotation_id = x.id
           ) s
     WHERE s.id = a.id
       AND (a.is_public, a.body_key, a.party_ids)
           IS DISTINCT FROM (s.is_public, s.body_id, s.party_ids);
$$;

-- Existing rows, before the triggers exist (the vocabulary trigger has nothing to add).
SELECT set_config('notes.defer_search_vector', 'on', true);
SELECT notes_place_rebuild();
SELECT set_config('notes.defer_search_vector', 'off', true);

CREATE FUNCTION notes_annotation_place() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    published boolean;
    body bigint;
BEGIN
    IF notes_facet_deferred() THEN
        RETURN NEW;
    END IF;
    SELECT m.published_at IS NOT NULL, m.body_id INTO published, body
      FROM notes_agendaitem i JOIN notes_meeting m ON m.id = i.meeting_id
     WHERE i.id = NEW.item_id;
    NEW.is_public := coalesce(published, false) AND NEW.withdrawn_at IS NULL;
    NEW.body_key := body;
    -- Links written before the row (the importer's pipeline) are found here; links written
    -- after it set the copy through notes_links_place.
    NEW.party_ids := coalesce((SELECT array_agg(party_id ORDER BY party_id)
                                 FROM notes_annotation_parties
                                WHERE annotation_id = NEW.id), '{}');
    RETURN NEW;
END $$;

CREATE FUNCTION notes_annotations_placed_in(p_items bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE notes_annotation a
       SET is_public = (m.published_at IS NOT NULL AND a.withdrawn_at IS NULL),
           body_key = m.body_id
      FROM notes_agendaitem i JOIN notes_meeting m ON m.id = i.meeting_id
     WHERE i.id = ANY(p_items) AND a.item_id = i.id
       AND (a.is_public, a.body_key)
           IS DISTINCT FROM ((m.published_at IS NOT NULL AND a.withdrawn_at IS NULL), m.body_id);
$$;

CREATE FUNCTION notes_item_place() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT notes_facet_deferred() THEN
        PERFORM notes_annotations_placed_in(ARRAY[NEW.id]);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION notes_meeting_place() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT notes_facet_deferred() THEN
        PERFORM notes_annotations_placed_in(
            ARRAY(SELECT id FROM notes_agendaitem WHERE meeting_id = NEW.id));
    END IF;
    RETURN NULL;
END $$;

-- The annotations whose links a statement added or removed (the BEFORE trigger on the
-- annotation reads their links anew).
CREATE FUNCTION notes_links_place() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT notes_facet_deferred() THEN
        UPDATE notes_annotation a
           SET party_ids = coalesce((SELECT array_agg(ap.party_id ORDER BY ap.party_id)
                                       FROM notes_annotation_parties ap
                                      WHERE ap.annotation_id = a.id), '{}')
         WHERE a.id IN (SELECT annotation_id FROM changed_links);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER notes_annotation_place BEFORE INSERT OR UPDATE ON notes_annotation
    FOR EACH ROW EXECUTE FUNCTION notes_annotation_place();
CREATE TRIGGER notes_item_place AFTER UPDATE ON notes_agendaitem FOR EACH ROW
    WHEN (OLD.meeting_id IS DISTINCT FROM NEW.meeting_id)
    EXECUTE FUNCTION notes_item_place();
CREATE TRIGGER notes_meeting_place AFTER UPDATE ON notes_meeting FOR EACH ROW
    WHEN ((OLD.published_at IS NULL) <> (NEW.published_at IS NULL)
          OR OLD.body_id IS DISTINCT FROM NEW.body_id)
    EXECUTE FUNCTION notes_meeting_place();
CREATE TRIGGER notes_links_place_inserted AFTER INSERT ON notes_annotation_parties
    REFERENCING NEW TABLE AS changed_links FOR EACH STATEMENT
    EXECUTE FUNCTION notes_links_place();
CREATE TRIGGER notes_links_place_deleted AFTER DELETE ON notes_annotation_parties
    REFERENCING OLD TABLE AS changed_links FOR EACH STATEMENT
    EXECUTE FUNCTION notes_links_place();
