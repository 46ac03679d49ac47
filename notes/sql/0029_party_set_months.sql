-- PartySetMonthCount: PartySetCount by month, kept by the same row trigger (0028's function,
-- replaced here to count both), rebuilt by the same rebuild function.

CREATE FUNCTION notes_partyset_month_add(p_ids bigint[], p_body bigint, p_kind varchar,
                                         p_date date, p_sign integer) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO notes_partysetmonthcount AS c (party_ids, body_key, kind, year, month, n)
    VALUES (coalesce(p_ids, '{}'), coalesce(p_body, 0), p_kind,
            EXTRACT(YEAR FROM p_date)::int, EXTRACT(MONTH FROM p_date)::int, p_sign)
    ON CONFLICT (party_ids, body_key, kind, year, month) DO UPDATE SET n = c.n + EXCLUDED.n;
$$;

CREATE OR REPLACE FUNCTION notes_partyset_annotation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF notes_facet_deferred() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE'
       AND (OLD.is_public, OLD.party_ids, OLD.body_key, OLD.kind, date_trunc('month', OLD.date))
           IS NOT DISTINCT FROM
           (NEW.is_public, NEW.party_ids, NEW.body_key, NEW.kind, date_trunc('month', NEW.date)) THEN
        RETURN NULL;  -- nothing counted changed (a text corrected, a vector refreshed)
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.is_public THEN
        PERFORM notes_partyset_add(OLD.party_ids, OLD.body_key, OLD.kind, OLD.date, -1);
        PERFORM notes_partyset_month_add(OLD.party_ids, OLD.body_key, OLD.kind, OLD.date, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.is_public THEN
        PERFORM notes_partyset_add(NEW.party_ids, NEW.body_key, NEW.kind, NEW.date, 1);
        PERFORM notes_partyset_month_add(NEW.party_ids, NEW.body_key, NEW.kind, NEW.date, 1);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION notes_partyset_rebuild() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM notes_partysetcount;
    DELETE FROM notes_partysetmonthcount;
    INSERT INTO notes_partysetmonthcount (party_ids, body_key, kind, year, month, n)
    SELECT party_ids, coalesce(body_key, 0), kind, EXTRACT(YEAR FROM date)::int,
           EXTRACT(MONTH FROM date)::int, count(*)
      FROM notes_annotation
     WHERE is_public
     GROUP BY 1, 2, 3, 4, 5;
    INSERT INTO notes_partysetcount (party_ids, body_key, kind, year, n)
    SELECT party_ids, body_key, kind, year, sum(n)
      FROM notes_partysetmonthcount
     GROUP BY 1, 2, 3, 4;
$$;

SELECT notes_partyset_rebuild();

-- Statistics for the planner at once: the months of an edge are read by their index.
ANALYZE notes_partysetcount, notes_partysetmonthcount;
