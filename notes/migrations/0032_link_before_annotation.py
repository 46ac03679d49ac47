from django.db import migrations

from notes import sql

# A party link written before its annotation (as the importer writes them) skips the kept
# counts at once instead of running their upsert over no rows: the annotation's own trigger
# counts it with its parties (notes/sql/0032_link_before_annotation.sql). 0.24 ms a link.


class Migration(migrations.Migration):

    dependencies = [
        ('notes', '0031_search_vector_inline'),
    ]

    operations = [
        migrations.RunSQL(
            sql.read('0032_link_before_annotation.sql'),
            sql.read('0032_link_before_annotation.reverse.sql'),
        ),
    ]
