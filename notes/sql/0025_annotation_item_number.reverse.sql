-- Back to 0024's functions and item trigger.


DROP TRIGGER IF EXISTS notes_item_place ON notes_agendaitem;

CREATE OR REPLACE FUNCTION notes_place_rebuild() RETURNS void
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

CREATE OR REPLACE FUNCTION notes_annotation_place() RETURNS trigger
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

CREATE OR REPLACE FUNCTION notes_annotations_placed_in(p_items bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE notes_annotation a
       SET is_public = (m.published_at IS NOT NULL AND a.withdrawn_at IS NULL),
           body_key = m.body_id
      FROM notes_agendaitem i JOIN notes_meeting m ON m.id = i.meeting_id
     WHERE i.id = ANY(p_items) AND a.item_id = i.id
       AND (a.is_public, a.body_key)
           IS DISTINCT FROM ((m.published_at IS NOT NULL AND a.withdrawn_at IS NULL), m.body_id);
$$;

CREATE TRIGGER notes_item_place AFTER UPDATE ON notes_agendaitem FOR EACH ROW
    WHEN (OLD.meeting_id IS DISTINCT FROM NEW.meeting_id)
    EXECUTE FUNCTION notes_item_place();
