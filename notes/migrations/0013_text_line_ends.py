"""Annotation texts and withdrawal reasons entered in the admin were stored with the CRLF line
ends a browser sends; imported ones have LF. From now on every path stores LF (the model
normalises on save); this makes the texts already stored the same."""

from django.db import migrations

NORMALISE = """
UPDATE notes_annotation
   SET text = replace(replace(text, E'\\r\\n', E'\\n'), E'\\r', E'\\n'),
       withdrawal_reason = replace(replace(withdrawal_reason, E'\\r\\n', E'\\n'), E'\\r', E'\\n')
 WHERE strpos(text, E'\\r') > 0 OR strpos(withdrawal_reason, E'\\r') > 0
"""


class Migration(migrations.Migration):
    dependencies = [("notes", "0012_search_language_indexes")]

    operations = [migrations.RunSQL(NORMALISE, migrations.RunSQL.noop)]
