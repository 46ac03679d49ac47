"""Let bulk loads switch the search triggers off and compute each vector once.

With the triggers of 0003, a bulk-inserted annotation had its vector computed three times
(the row, then its party links, then its signatory links) and the vocabulary updated three
times. A loader now sets `notes.defer_search_vector` for its transaction, inserts, and calls
`notes.queries.search.refresh_search_vectors(ids)` once per batch.
"""

from django.db import migrations

from notes import sql


class Migration(migrations.Migration):
    dependencies = [("notes", "0003_search")]

    operations = [
        migrations.RunSQL(
            sql.read("0004_search_deferrable.sql"), sql.read("0004_search_deferrable.reverse.sql")
        )
    ]
