"""The web UI's settings, in one table: name, default and meaning (README.md lists the same table).

Each setting is also a module constant of the same name, read from the table; the ones with a
``create_app`` argument can be changed per app, the others are fixed for the process.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: float
    meaning: str
    argument: str = ""  # the create_app argument that overrides it, if any


SETTINGS: tuple[Setting, ...] = (
    Setting("QUERY_BUDGET", 30.0, "seconds a store call may run before it is stopped and the page answers 503",
            "query_budget"),
    Setting("EXTRA_BUDGET", 0.9, "seconds a search page waits for what it can do without (the count, the facets); "
            "they go on in the background and are cached, and the page says they were left out", "extra_budget"),
    Setting("WORKERS", 4, "store threads, each with its own read-only connection", "workers"),
    Setting("CACHE_SIZE", 512, "store results kept (least recently used dropped first)"),
    Setting("CACHE_TTL", 600.0, "seconds a cached store result is kept at most"),
    Setting("STATE_INTERVAL", 1.0, "seconds between two looks at whether the corpus changed (cached results are "
            "kept per corpus state)"),
    Setting("PAGE_SIZE", 20, "search hits a page"),
    Setting("MAX_PAGE", 100, "last search page (deep pages cost the store a sort of everything before them; "
            "refine the search instead)"),
    Setting("CLUSTERS_PAGE", 50, "clusters a page"),
    Setting("MAX_QUERY", 500, "characters in a search query"),
    Setting("MIN_TOKEN_LENGTH", 16, "characters a token needs at least (shorter ones can be guessed over the network)"),
)

_DEFAULTS = {s.name: s.default for s in SETTINGS}

QUERY_BUDGET: float = _DEFAULTS["QUERY_BUDGET"]
EXTRA_BUDGET: float = _DEFAULTS["EXTRA_BUDGET"]
WORKERS = int(_DEFAULTS["WORKERS"])
CACHE_SIZE = int(_DEFAULTS["CACHE_SIZE"])
CACHE_TTL: float = _DEFAULTS["CACHE_TTL"]
STATE_INTERVAL: float = _DEFAULTS["STATE_INTERVAL"]
PAGE_SIZE = int(_DEFAULTS["PAGE_SIZE"])
MAX_PAGE = int(_DEFAULTS["MAX_PAGE"])
CLUSTERS_PAGE = int(_DEFAULTS["CLUSTERS_PAGE"])
MAX_QUERY = int(_DEFAULTS["MAX_QUERY"])
MIN_TOKEN_LENGTH = int(_DEFAULTS["MIN_TOKEN_LENGTH"])
