-- 0032 reversed: notes_facet_link() as 0010 made it.

CREATE OR REPLACE FUNCTION notes_facet_link() RETURNS trigger
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
