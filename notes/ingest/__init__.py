"""Everything that writes records in: parsing, importing, the admin import, archive files."""
