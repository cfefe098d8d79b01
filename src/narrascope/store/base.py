"""The corpus store interface: :class:`Store`, its errors, and what its answers are made of.

A store holds analysed Documents keyed by ``Document.id`` (the content hash, so ingesting the
same text twice adds nothing), a full-text index over title + text, and facet rows derived from
each Document's layers and groups at insert time, so that search filters, facets and counts over
time are plain queries. SQLite is the embedded backend (``narrascope.store.sqlite``); a PostgreSQL
backend (``narrascope.store.postgres``) implements the same abstract methods and joins the same
test suite.

Where the rest lives: the row and facet labels derived from a Document, and dates
(:mod:`.rows`); the query language, search filters and snippets (:mod:`.query`); the corpus
analytics written once in SQL both backends speak, and the tables they share (:mod:`.analytics`).
"""

from __future__ import annotations

import abc
import contextlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Iterable, Iterator, Literal

from ..errors import NarrascopeError
from ..model import Document

# "outlet_label": the labels the user's outlets file gives the outlets a document cites or comes from
FACETS = ("language", "source", "narrative", "technique", "entity", "role", "outlet_label")
# "cited": outlets, channels and accounts a document cites or forwards; "speaker": whom it quotes
LABEL_KINDS = ("narrative", "technique", "entity", "role", "cited", "speaker")
CLUSTER_KINDS = ("near-duplicate", "cross-language")
PERIODS = ("day", "week", "month")


def facet_values(facets: dict[str, Iterable[tuple[str, int]]]) -> dict[str, list[dict[str, Any]]]:
    """:meth:`Store.facets` as JSON: ``{kind: [{"value": ..., "documents": N}, ...]}``, the one shape that
    ``narrascope search --json --facets``, the web UI's JSON and its CSV use."""
    return {kind: [{"value": value, "documents": int(n)} for value, n in values] for kind, values in facets.items()}


class StoreError(NarrascopeError):
    """The store cannot be opened or used: not a store, a newer schema, an unknown URL."""

    exit_code = 1


class StoreVersionError(StoreError):
    """The store file was written by a newer narrascope (its schema version is unknown here)."""


class StoreReadOnlyError(StoreError):
    """A write to a store that is open read-only, or that sits on read-only media or files."""

    exit_code = 1


class StoreTimeoutError(StoreError):
    """A statement ran past the limit set with :meth:`Store.time_limit` and was stopped."""


class StoreNotBuiltError(StoreError):
    """A backend the interface allows but this build does not have (kept for callers that catch it)."""

    exit_code = 2


@dataclass
class SearchHit:
    """One search result. ``snippet == text[snippet_start:snippet_end]`` of the stored Document's
    text, and each ``(start, end)`` in ``matches`` indexes that text too (the query's terms inside
    the snippet), so a UI can highlight without searching again."""

    doc_id: str
    title: str | None
    snippet: str
    snippet_start: int
    snippet_end: int
    matches: list[tuple[int, int]] = field(default_factory=list)
    score: float = 0.0
    date: str | None = None
    source: str | None = None
    language: str | None = None
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id, "title": self.title, "snippet": self.snippet,
            "snippet_start": self.snippet_start, "snippet_end": self.snippet_end,
            "matches": [list(m) for m in self.matches], "score": self.score, "date": self.date,
            "source": self.source, "language": self.language, "url": self.url,
        }


@dataclass
class ErrorRecord:
    """A per-item ingest failure: ``source`` is the file or URL, ``item`` the line/record or ''."""

    source: str
    item: str
    message: str
    count: int = 1
    first_seen: str = ""
    last_seen: str = ""



class Store(abc.ABC):
    """The corpus store. Use as a context manager, or call :meth:`close`.

    Writes made inside ``with store.batch():`` are one transaction (committed at the end, rolled
    back on an exception); outside a batch every write commits by itself.
    """

    url: str = ""

    # -- writing ----------------------------------------------------------------------------------
    @abc.abstractmethod
    def add(self, doc: Document, source: str | None = None) -> bool:
        """Store ``doc``; False (and nothing changes but a sighting) when its id is already stored.
        ``source`` is the outlet for facets; by default it comes from the metadata (see
        :func:`narrascope.store.rows.document_row`)."""

    def add_many(self, docs: Iterable[Document], source: str | None = None) -> tuple[int, int]:
        """Add documents in one transaction; returns (added, skipped)."""
        added = skipped = 0
        with self.batch():
            for doc in docs:
                if self.add(doc, source):
                    added += 1
                else:
                    skipped += 1
        return added, skipped

    @abc.abstractmethod
    def batch(self) -> contextlib.AbstractContextManager[None]:
        """One transaction around several writes (nestable; the outermost commits)."""

    @abc.abstractmethod
    def record_error(self, source: str, item: str | None, message: str) -> None:
        """Log a per-item failure; the same (source, item, message) again only bumps its count."""

    @abc.abstractmethod
    def errors(self) -> list[ErrorRecord]:
        """The error log, oldest first."""

    @abc.abstractmethod
    def mark_done(self, source_key: str) -> None:
        """Remember that an ingest source (file path + size + mtime, or URL) is fully stored."""

    @abc.abstractmethod
    def is_done(self, source_key: str) -> bool: ...

    # -- reading ----------------------------------------------------------------------------------
    @abc.abstractmethod
    def get(self, doc_id: str) -> Document | None: ...

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and self.get(doc_id) is not None

    @abc.abstractmethod
    def count(self) -> int: ...

    @abc.abstractmethod
    def ids(self) -> list[str]:
        """Every stored document id, in insertion order."""

    @abc.abstractmethod
    def search(
        self,
        query: str | None = None,
        *,
        language: str | None = None,
        source: str | None = None,
        date_from: str | date | datetime | None = None,
        date_to: str | date | datetime | None = None,
        narrative: str | None = None,
        technique: str | None = None,
        entity: str | None = None,
        role: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[SearchHit]:
        """Full-text search (all terms must occur; ``"a phrase"``, ``prefix*``) with filters.
        No query: the filtered documents, newest first. ``date_to`` given as a day includes that
        day. ``entity`` with ``role``: the entity cast in that role."""

    @abc.abstractmethod
    def search_count(self, query: str | None = None, **filters: Any) -> int:
        """How many documents :meth:`search` would find without limit and offset."""

    @abc.abstractmethod
    def facets(self, query: str | None = None, *, limit: int = 50, **filters: Any) -> dict[str, list[tuple[str, int]]]:
        """For each of FACETS, the values and their document counts among the documents that
        match ``query`` and ``filters`` (the search filters), most frequent first."""

    @abc.abstractmethod
    def counts_over_time(
        self,
        kind: Literal["narrative", "technique", "role", "entity"],
        period: Literal["day", "week", "month"] = "week",
        source: str | None = None,
        entity: str | None = None,
        *,
        include_other: bool = False,
    ) -> list[tuple[str, str, int]]:
        """(period start as YYYY-MM-DD, label, number of documents) for documents with a
        publication date; weeks start on Monday. With ``entity`` (kind "role"): that entity's roles.
        Narratives leave out "Other" (no narrative found) unless ``include_other``."""


    @abc.abstractmethod
    def sightings(self, doc_id: str) -> list[dict[str, Any]]:
        """Every (source, url, origin, published, seen_at) the text was seen with, first seen first."""

    @abc.abstractmethod
    def time_limit(self, seconds: float, stop: Callable[[], bool] | None = None) -> contextlib.AbstractContextManager[None]:
        """A block whose statements are stopped, raising :class:`StoreTimeoutError`, once they run
        past ``seconds`` (or, where the backend can ask while a statement runs, once ``stop()`` is
        true). For a server that must answer in time, such as the web UI."""

    @abc.abstractmethod
    def corpus_state(self) -> tuple:
        """A value that changes whenever the corpus does (documents added, clusters replaced, errors
        logged): what a cache of results of the methods below is keyed on."""

    # -- clusters, overview, entities, graphs: written once in SQL, see analytics.SQLStore ----------
    @abc.abstractmethod
    def replace_clusters(self, kind: str, clusters: Iterable[Any]) -> int:
        """Store the clusters of one kind (CLUSTER_KINDS), replacing that kind's earlier result.
        Each cluster is a :class:`narrascope.clusters.Cluster` (or its ``to_dict()``): members
        earliest first, the first the probable original. Returns how many were stored."""

    @abc.abstractmethod
    def clusters(self, kind: str | None = None, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Stored clusters, largest first, with the probable original's title, source, date, language."""

    @abc.abstractmethod
    def cluster_count(self, kind: str | None = None) -> int:
        """How many clusters are stored (of one kind, or of all)."""

    @abc.abstractmethod
    def cluster(self, cluster_id: int) -> dict[str, Any] | None:
        """One cluster with its members (earliest first): id, title, source, url, published, language,
        similarity (best estimate to another member), evidence (shared specifics, cross-language)."""

    @abc.abstractmethod
    def clusters_of(self, doc_id: str) -> list[dict[str, Any]]:
        """The clusters a document belongs to (id, kind, original, size, its position)."""

    @abc.abstractmethod
    def update_clusters(self, kind: str, clusters: Iterable[dict[str, Any]], replacing: Iterable[int] = ()) -> int:
        """Replace the stored clusters ``replacing`` (ids) by ``clusters`` and keep the others: an
        incremental update (see :func:`narrascope.clusters.update_stored_clusters`)."""

    @abc.abstractmethod
    def exact_copies(self, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Documents whose very text was seen more than once (other file names, URLs, outlets), most
        sightings first: doc_id, title, source, published, language, copies, sightings."""

    @abc.abstractmethod
    def exact_copy_count(self) -> int:
        """How many documents were seen more than once."""

    @abc.abstractmethod
    def unsigned_ids(self, scheme: str) -> list[str]:
        """Documents without a stored MinHash signature of ``scheme``."""

    @abc.abstractmethod
    def put_signatures(self, scheme: str, rows: Iterable[tuple[str, str]]) -> None:
        """Store (doc_id, signature) pairs of ``scheme``, marked not yet clustered."""

    @abc.abstractmethod
    def signatures(self, scheme: str, *, unclustered: bool = False) -> dict[str, str]:
        """Stored signatures of ``scheme``: doc_id -> signature ('' for a text without words); with
        ``unclustered``, only those not yet compared with the others."""

    @abc.abstractmethod
    def mark_clustered(self, scheme: str, ids: Iterable[str]) -> None:
        """Mark the signatures of ``ids`` as compared with the others."""

    @abc.abstractmethod
    def undated_count(self, *, source: str | None = None, entity: str | None = None) -> tuple[int, int]:
        """(undated, documents) among all documents, one outlet's, and/or those mentioning ``entity``:
        the undated ones are left out of every chart over time."""

    @abc.abstractmethod
    def overview(self) -> dict[str, Any]:
        """Corpus totals for a dashboard: documents, sources, languages, dated span, clusters, errors."""

    @abc.abstractmethod
    def top_labels(self, kind: str, *, limit: int = 20, source: str | None = None) -> list[tuple[str, int]]:
        """The labels of one kind (LABEL_KINDS) in most documents: (label, documents)."""

    @abc.abstractmethod
    def entity_profile(self, name: str, *, period: str = "month", source: str | None = None) -> dict[str, Any] | None:
        """Everything about one entity (its canonical name): documents, roles (main roles and the
        documents casting it so), who casts it as what (role by source), roles over time, the entities
        it appears with, its most recent documents, and the other ways documents write a person's name
        (``also_written_as``: "Putin", "President Putin" for "Vladimir Putin"); with ``source``, in that outlet's
        documents only. A person's name as written opens the page of its corpus-wide name. None when no document
        (of that source) mentions it."""

    @abc.abstractmethod
    def outlet_profile(self, name: str) -> dict[str, Any] | None:
        """The outlet of the user's outlets file that ``name`` is (its name, or a name the documents wrote
        it as: "Tsarigrad" for "Tsargrad TV"), as the analysed documents know it: ``outlet``, ``country``,
        ``documents`` and ``labels`` (each ``label``, ``source`` URL and ``documents``). None when no stored
        document matched such an outlet (or none was analysed with an outlets file)."""

    @abc.abstractmethod
    def entity_graph(self, *, limit: int = 60, min_documents: int = 2, source: str | None = None) -> dict[str, Any]:
        """Entities as nodes (the ``limit`` in most documents, with their roles), co-occurrence edges
        (documents mentioning both, at least ``min_documents``), and "cast as ROLE by SOURCE" edges."""

    @abc.abstractmethod
    def citation_graph(self, *, limit: int = 300) -> dict[str, Any]:
        """Who leans on whom: an edge from each outlet (a document's source) to what its documents cite
        or forward ("cites") and to whom they quote ("quotes"), weighted by documents. Documents with
        no known outlet are no node: ``without_outlet`` counts those that cite or quote."""

    @abc.abstractmethod
    def iter_documents(self, page: int = 500) -> Iterator[Document]:
        """Every stored Document in insertion order, read ``page`` at a time (memory stays flat)."""

    # -- lifecycle --------------------------------------------------------------------------------
    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return self.count()
