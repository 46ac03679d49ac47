DROP TRIGGER IF EXISTS notes_partyset_annotation ON notes_annotation;
DROP FUNCTION IF EXISTS notes_partyset_annotation();
DROP FUNCTION IF EXISTS notes_partyset_rebuild();
DROP FUNCTION IF EXISTS notes_partyset_add(bigint[], bigint, varchar, date, integer);
