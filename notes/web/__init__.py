"""What the public sees: pages, open data (exports, feeds, sitemap) and the JSON API.

`urls.py` lists every route; views read only through `notes.queries`.
"""
