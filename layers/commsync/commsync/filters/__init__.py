"""Which emails a sync keeps (issue 10): filter keys `category`, `after`, `before`, `from`,
`has: attachment`, nested with AND / OR (models/filters.py), evaluated over a cleaned email.

This local evaluation is the definition, for every source: a source that can evaluate part of
a filter on the server (Graph's $filter, sources/graph/query.py) only narrows what it fetches,
and the poller still applies this to everything fetched, so the result is the same either way.
"""

from commsync.filters.evaluate import EmailFacts, facts_of, matches

__all__ = ["EmailFacts", "facts_of", "matches"]
