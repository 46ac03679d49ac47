
DROP TRIGGER IF EXISTS notes_vocabulary_update ON notes_annotation;
DROP TRIGGER IF EXISTS notes_vocabulary_insert ON notes_annotation;
DROP FUNCTION IF EXISTS notes_vocabulary_add();
DROP TRIGGER IF EXISTS notes_person_changed ON notes_person;
DROP FUNCTION IF EXISTS notes_person_changed();
DROP TRIGGER IF EXISTS notes_party_changed ON notes_party;
DROP FUNCTION IF EXISTS notes_party_changed();
DROP TRIGGER IF EXISTS notes_item_changed ON notes_agendaitem;
DROP FUNCTION IF EXISTS notes_item_changed();
DROP TRIGGER IF EXISTS notes_signatories_deleted ON notes_annotation_signatories;
DROP TRIGGER IF EXISTS notes_signatories_inserted ON notes_annotation_signatories;
DROP TRIGGER IF EXISTS notes_parties_deleted ON notes_annotation_parties;
DROP TRIGGER IF EXISTS notes_parties_inserted ON notes_annotation_parties;
DROP FUNCTION IF EXISTS notes_annotation_links_changed();
DROP TRIGGER IF EXISTS notes_annotation_vector_row ON notes_annotation;
DROP FUNCTION IF EXISTS notes_annotation_vector_row();
DROP FUNCTION IF EXISTS notes_annotation_vector(bigint, bigint, text);
