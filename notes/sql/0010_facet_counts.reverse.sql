
DROP TRIGGER IF EXISTS notes_facet_before ON notes_annotation;
DROP TRIGGER IF EXISTS notes_facet_after ON notes_annotation;
DROP TRIGGER IF EXISTS notes_facet_insert ON notes_annotation;
DROP TRIGGER IF EXISTS notes_facet_delete ON notes_annotation;
DROP TRIGGER IF EXISTS notes_facet_link ON notes_annotation_parties;
DROP TRIGGER IF EXISTS notes_facet_unlink ON notes_annotation_parties;
DROP TRIGGER IF EXISTS notes_facet_before ON notes_agendaitem;
DROP TRIGGER IF EXISTS notes_facet_after ON notes_agendaitem;
DROP TRIGGER IF EXISTS notes_facet_before ON notes_meeting;
DROP TRIGGER IF EXISTS notes_facet_after ON notes_meeting;
DROP FUNCTION IF EXISTS notes_facet_meeting();
DROP FUNCTION IF EXISTS notes_facet_item();
DROP FUNCTION IF EXISTS notes_facet_link();
DROP FUNCTION IF EXISTS notes_facet_annotation();
DROP FUNCTION IF EXISTS notes_facet_deferred();
DROP FUNCTION IF EXISTS notes_facet_rebuild();
DROP FUNCTION IF EXISTS notes_facet_apply(bigint[], integer);
