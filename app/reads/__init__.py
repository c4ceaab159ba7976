"""The read side shared by the JSON API and the pages: public shapes, what operators said
about a region, a region's status, and the cache of country-wide reads."""
