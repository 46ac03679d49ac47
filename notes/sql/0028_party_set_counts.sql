-- PartySetCount: public annotations by their exact set of parties, body, kind and year.
-- Kept from the annotation's own copies (is_public, party_ids, body_key: 0024), so one row
-- trigger on notes_annotation sees every change: a party linked or unlinked, a meeting
-- published, moved or given another body all reach the annotation row as an UPDATE of its
-- copies. With notes.defer_facet_counts 'on' (a bulk load) it skips; the loader rebuilds.

CREATE FUNCTION notes_partyset_add(p_ids bigint[], p_body bigint, p_kind varchar, p_date date,
                                   p_sign integer) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO notes_partysetcount AS c (party_ids, body_key, kind, year, n)
    VALUES (coalesce(p_ids, '{}'), coalesce(p_body, 0), p_kind,
            EXTRACT(YEAR FROM p_date)::int, p_sign)
    ON CONFLICT (party_ids, body_key, kind, year) DO UPDATE SET n = c.n + EXCLUDED.n;
$$;

CREATE FUNCTION notes_partyset_annotation() RETURNS trigger
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

CREATE TRIGGER notes_partyset_annotation
    AFTER INSERT OR UPDATE OR DELETE ON notes_annotation
    FOR EACH ROW EXECUTE FUNCTION notes_partyset_annotation();

CREATE FUNCTION notes_partyset_rebuild() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM notes_partysetcount;
    INSERT INTO notes_partysetcount (party_ids, body_key, kind, year, n)
    SELECT party_ids, coalesce(body_key, 0), kind, EXTRACT(YEAR FROM date)::int, count(*)
      FROM notes_annotation
     WHERE is_public
     GROUP BY 1, 2, 3, 4;
$$;

SELECT notes_partyset_rebuild();
