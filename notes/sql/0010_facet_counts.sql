
CREATE FUNCTION notes_facet_apply(p_ids bigint[], p_sign integer) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO notes_facetcount AS f (party_id, co_party_id, body_id, kind, year, n)
    SELECT p.party_id, p.co_party_id, a.body_id, a.kind, a.year, p_sign * count(*)
      FROM (SELECT a.id, m.body_id, a.kind, EXTRACT(YEAR FROM a.date)::int AS year
              FROM notes_annotation a
              JOIN notes_agendaitem i ON i.id = a.item_id
              JOIN notes_meeting m ON m.id = i.meeting_id
             WHERE a.id = ANY(p_ids) AND a.withdrawn_at IS NULL
               AND m.published_at IS NOT NULL) a
     CROSS JOIN LATERAL (
            SELECT 0::bigint AS party_id, 0::bigint AS co_party_id
            UNION ALL
            SELECT ap.party_id, 0 FROM notes_annotation_parties ap WHERE ap.annotation_id = a.id
            UNION ALL
            SELECT x.party_id, y.party_id
              FROM notes_annotation_parties x
              JOIN notes_annotation_parties y
                ON y.annotation_id = x.annotation_id AND y.party_id <> x.party_id
             WHERE x.annotation_id = a.id
     ) p
     GROUP BY 1, 2, 3, 4, 5
     ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (party_id, co_party_id, body_id, kind, year) DO UPDATE SET n = f.n + EXCLUDED.n;
$$;

CREATE FUNCTION notes_facet_rebuild() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM notes_facetcount;
    WITH a AS MATERIALIZED (
        SELECT a.id, m.body_id, a.kind, EXTRACT(YEAR FROM a.date)::int AS year
          FROM notes_annotation a
          JOIN notes_agendaitem i ON i.id = a.item_id
          JOIN notes_meeting m ON m.id = i.meeting_id
         WHERE a.withdrawn_at IS NULL AND m.published_at IS NOT NULL
    )
    INSERT INTO notes_facetcount (party_id, co_party_id, body_id, kind, year, n)
    SELECT 0, 0, body_id, kind, year, count(*) FROM a GROUP BY 3, 4, 5
    UNION ALL
    SELECT ap.party_id, 0, a.body_id, a.kind, a.year, count(*)
      FROM a JOIN notes_annotation_parties ap ON ap.annotation_id = a.id
     GROUP BY 1, 3, 4, 5
    UNION ALL
    SELECT x.party_id, y.party_id, a.body_id, a.kind, a.year, count(*)
      FROM a JOIN notes_annotation_parties x ON x.annotation_id = a.id
      JOIN notes_annotation_parties y
        ON y.annotation_id = x.annotation_id AND y.party_id <> x.party_id
     GROUP BY 1, 2, 3, 4, 5;
$$;

CREATE FUNCTION notes_facet_deferred() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('notes.defer_facet_counts', true), '') = 'on';
$$;

-- A BEFORE trigger must return the row (NULL would cancel the change itself).
CREATE FUNCTION notes_facet_annotation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_WHEN = 'BEFORE' THEN
        IF NOT notes_facet_deferred() THEN
            PERFORM notes_facet_apply(ARRAY[OLD.id], -1);
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF NOT notes_facet_deferred() THEN
        PERFORM notes_facet_apply(ARRAY[NEW.id], 1);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION notes_facet_link() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    link record;
BEGIN
    IF TG_OP = 'INSERT' THEN link := NEW; ELSE link := OLD; END IF;
    IF notes_facet_deferred() THEN
        RETURN link;
    END IF;
    -- The link's own row, and the pairs it makes with the annotation's other parties. A
    -- link inserted in the same statement as another sees it (AFTER triggers run at the
    -- statement's end): only the later of the two (by id) counts their pair. A link deleted
    -- BEFORE DELETE no longer sees those deleted before it in the same statement.
    INSERT INTO notes_facetcount AS f (party_id, co_party_id, body_id, kind, year, n)
    SELECT q.party_id, q.co_party_id, m.body_id, a.kind, EXTRACT(YEAR FROM a.date)::int,
           CASE WHEN TG_OP = 'INSERT' THEN count(*) ELSE -count(*) END
      FROM notes_annotation a
      JOIN notes_agendaitem i ON i.id = a.item_id
      JOIN notes_meeting m ON m.id = i.meeting_id
     CROSS JOIN LATERAL (
            SELECT link.party_id AS party_id, 0::bigint AS co_party_id
            UNION ALL
            SELECT pair.party_id, pair.co_party_id
              FROM notes_annotation_parties o
             CROSS JOIN LATERAL (VALUES (link.party_id, o.party_id), (o.party_id, link.party_id))
                   AS pair (party_id, co_party_id)
             WHERE o.annotation_id = link.annotation_id AND o.party_id <> link.party_id
               AND (TG_OP = 'DELETE' OR o.id < link.id)
     ) q
     WHERE a.id = link.annotation_id AND a.withdrawn_at IS NULL
       AND m.published_at IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5
     ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (party_id, co_party_id, body_id, kind, year) DO UPDATE SET n = f.n + EXCLUDED.n;
    RETURN link;  -- the unlink trigger runs BEFORE DELETE: the row lets the delete go on
END $$;

CREATE FUNCTION notes_facet_item() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF notes_facet_deferred() THEN
        RETURN NEW;
    END IF;
    IF TG_WHEN = 'BEFORE' THEN
        PERFORM notes_facet_apply(
            ARRAY(SELECT id FROM notes_annotation WHERE item_id = OLD.id), -1);
        RETURN NEW;
    END IF;
    PERFORM notes_facet_apply(ARRAY(SELECT id FROM notes_annotation WHERE item_id = NEW.id), 1);
    RETURN NEW;
END $$;

CREATE FUNCTION notes_facet_meeting() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    IF notes_facet_deferred() THEN
        RETURN NEW;
    END IF;
    ids := ARRAY(SELECT a.id FROM notes_annotation a
                   JOIN notes_agendaitem i ON i.id = a.item_id
                  WHERE i.meeting_id = OLD.id);
    IF TG_WHEN = 'BEFORE' THEN
        PERFORM notes_facet_apply(ids, -1);
        RETURN NEW;
    END IF;
    PERFORM notes_facet_apply(ids, 1);
    RETURN NEW;
END $$;

CREATE TRIGGER notes_facet_before BEFORE UPDATE ON notes_annotation FOR EACH ROW
    WHEN (OLD.kind IS DISTINCT FROM NEW.kind OR OLD.date IS DISTINCT FROM NEW.date
          OR OLD.item_id IS DISTINCT FROM NEW.item_id
          OR (OLD.withdrawn_at IS NULL) <> (NEW.withdrawn_at IS NULL))
    EXECUTE FUNCTION notes_facet_annotation();
CREATE TRIGGER notes_facet_after AFTER UPDATE ON notes_annotation FOR EACH ROW
    WHEN (OLD.kind IS DISTINCT FROM NEW.kind OR OLD.date IS DISTINCT FROM NEW.date
          OR OLD.item_id IS DISTINCT FROM NEW.item_id
          OR (OLD.withdrawn_at IS NULL) <> (NEW.withdrawn_at IS NULL))
    EXECUTE FUNCTION notes_facet_annotation();
CREATE TRIGGER notes_facet_insert AFTER INSERT ON notes_annotation FOR EACH ROW
    EXECUTE FUNCTION notes_facet_annotation();
CREATE TRIGGER notes_facet_delete BEFORE DELETE ON notes_annotation FOR EACH ROW
    EXECUTE FUNCTION notes_facet_annotation();

CREATE TRIGGER notes_facet_link AFTER INSERT ON notes_annotation_parties FOR EACH ROW
    EXECUTE FUNCTION notes_facet_link();
CREATE TRIGGER notes_facet_unlink BEFORE DELETE ON notes_annotation_parties FOR EACH ROW
    EXECUTE FUNCTION notes_facet_link();

CREATE TRIGGER notes_facet_before BEFORE UPDATE ON notes_agendaitem FOR EACH ROW
    WHEN (OLD.meeting_id IS DISTINCT FROM NEW.meeting_id)
    EXECUTE FUNCTION notes_facet_item();
CREATE TRIGGER notes_facet_after AFTER UPDATE ON notes_agendaitem FOR EACH ROW
    WHEN (OLD.meeting_id IS DISTINCT FROM NEW.meeting_id)
    EXECUTE FUNCTION notes_facet_item();

CREATE TRIGGER notes_facet_before BEFORE UPDATE ON notes_meeting FOR EACH ROW
    WHEN (OLD.body_id IS DISTINCT FROM NEW.body_id
          OR (OLD.published_at IS NULL) <> (NEW.published_at IS NULL))
    EXECUTE FUNCTION notes_facet_meeting();
CREATE TRIGGER notes_facet_after AFTER UPDATE ON notes_meeting FOR EACH ROW
    WHEN (OLD.body_id IS DISTINCT FROM NEW.body_id
          OR (OLD.published_at IS NULL) <> (NEW.published_at IS NULL))
    EXECUTE FUNCTION notes_facet_meeting();

SELECT notes_facet_rebuild();
