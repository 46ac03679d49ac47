from django.db import migrations

# The search vector kept in the annotation's own row (STORAGE MAIN: compressed there if need
# be, moved out only as a last resort); a long text is moved out to TOAST first instead. A
# search reads the vector of every row it walks but the text only of the rows it shows: with
# both "extended", half the vectors lived in TOAST and each row walked cost three buffer
# reads instead of one. Rows already written keep their layout until rewritten
# (`manage.py compact_archive`).


class Migration(migrations.Migration):

    dependencies = [
        ('notes', '0030_email_alerts'),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE notes_annotation ALTER COLUMN search_vector SET STORAGE MAIN",
            "ALTER TABLE notes_annotation ALTER COLUMN search_vector SET STORAGE EXTENDED",
        ),
    ]
