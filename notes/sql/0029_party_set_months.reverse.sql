-- Back to 0028: the trigger and the rebuild count by year only.
CREATE OR REPLACE FUNCTION notes_partyset_annotation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF notes_facet_deferred() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE'
       AND (OLD.is_public, OLD.party_ids, OLD.body_key, OLD.kind, EXTRACT(YEAR FROM OLD.date))
           IS NOT DISTINCT FROM
           (NEW.is_public, NEW.party_ids, NEW.body_key, NEW.kind, EXTRACT(YEAR FROM NEW.date)) THEN
        RETURN NULL;  -- nothing counted changed (a text corrected, a vector refreshed)
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.is_public THEN
        PERFORM notes_partyset_add(OLD.party_ids, OLD.body_key, OLD.kind, OLD.date, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.is_public THEN
        PERFORM notes_partyset_add(NEW.party_ids, NEW.body_key, NEW.kind, NEW.date, 1);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION notes_partyset_rebuild() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM notes_partysetcount;
    INSERT INTO notes_partysetcount (party_ids, body_key, kind, year, n)
    SELECT party_ids, coalesce(body_key, 0), kind, EXTRACT(YEAR FROM date)::int, count(*)
      FROM notes_annotation
     WHERE is_public
     GROUP BY 1, 2, 3, 4;
$$;

DROP FUNCTION IF EXISTS notes_partyset_month_add(bigint[], bigint, varchar, date, integer);
