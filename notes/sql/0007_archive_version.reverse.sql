
DROP TRIGGER IF EXISTS notes_bump_version ON notes_body;
DROP TRIGGER IF EXISTS notes_bump_version ON notes_meeting;
DROP TRIGGER IF EXISTS notes_bump_version ON notes_agendaitem;
DROP TRIGGER IF EXISTS notes_bump_version ON notes_annotation;
DROP TRIGGER IF EXISTS notes_bump_version ON notes_annotation_parties;
DROP TRIGGER IF EXISTS notes_bump_version ON notes_annotation_signatories;
DROP TRIGGER IF EXISTS notes_bump_version ON notes_party;
DROP TRIGGER IF EXISTS notes_bump_version ON notes_person;
DROP FUNCTION IF EXISTS notes_bump_archive_version();
