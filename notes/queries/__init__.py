"""Every read: the one FilterSet, search, facet counts, paging and the version caches."""
