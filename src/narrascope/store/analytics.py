"""The corpus analytics, written once in SQL that SQLite and PostgreSQL both accept.

:class:`SQLStore` is the part of a store both backends share: stored clusters, the dashboard's
overview, top labels, counts over time, entity profiles, the entity and citation graphs, and
reading every Document page by page. Its SQL uses ``?`` placeholders; a backend supplies the
three ways to run it (``_rows``, ``_run``, ``_run_many``) and the one expression the two dialects
write differently, the start of a period (``_period_start``). The tables this SQL reads besides a
backend's own documents and labels are created from the DDL here by both backends' migrations.
"""

from __future__ import annotations

import abc
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator

from ..model import Document
from .base import CLUSTER_KINDS, LABEL_KINDS, PERIODS, Store, StoreError
from .rows import OTHER_NARRATIVE
from .names import PersonNameIndex


# Tables both backends create the same way (their own migrations run this DDL): the latest stored
# result of each cluster kind; ids are assigned by the store, not by the database.
CLUSTER_TABLES_SQL = """
CREATE TABLE clusters (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                -- near-duplicate | cross-language
    original TEXT NOT NULL,            -- document id of the probable original (the earliest member)
    size INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX clusters_kind_size ON clusters(kind, size);
CREATE TABLE cluster_members (
    cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    doc_id TEXT NOT NULL,
    position INTEGER NOT NULL,         -- 0 = the probable original, then by date
    similarity REAL,                   -- best similarity estimate to another member
    evidence TEXT,                     -- shared specifics, one per line (cross-language links)
    PRIMARY KEY (cluster_id, doc_id)
);
CREATE INDEX cluster_members_doc ON cluster_members(doc_id);
"""


# Schema version 6, both backends: the MinHash signature of each document's text (``clusters.Signer``), so
# that ingest brings the near-duplicate clusters up to date without shingling the stored texts again.
# ``scheme`` names the signature's parameters (a signature of other parameters is made again); an empty
# signature means the text has no words to sign; ``clustered`` is 0 until the document was compared with
# the others (an interrupted ingest leaves it 0, and the next one compares it).
SIGNATURE_TABLES_SQL = """
CREATE TABLE doc_signatures (
    doc_id TEXT NOT NULL PRIMARY KEY,
    scheme TEXT NOT NULL,
    signature TEXT NOT NULL,           -- base64 of the little-endian uint32 MinHash values
    clustered INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX doc_signatures_pending ON doc_signatures(scheme, clustered)
"""


# Schema version 4, both backends: covering index for the date/source/language of a document id, and
# the newest-first order of a search without words.
RECENT_INDEXES_SQL = """
CREATE INDEX documents_id_published ON documents(id, published, source, language);
CREATE INDEX documents_recent ON documents((published IS NULL), published DESC)
"""


# Schema version 5, both backends: the documents whose narrative verdict is "Other" get their facet row
# ("Other" was not stored before). Only documents without any narrative row that mention "Other" are read,
# a page at a time after the rowid given; parameters: (rowid, OTHER_VERDICT_PATTERN).
OTHER_VERDICT_PATTERN = '%"Other"%'
OTHER_VERDICT_CANDIDATES_SQL = (
    "SELECT d.rowid, d.id, d.json FROM documents d WHERE d.rowid > {mark} AND d.json LIKE {mark}"
    " AND NOT EXISTS (SELECT 1 FROM doc_labels l WHERE l.doc_id = d.id AND l.kind = 'narrative')"
    " ORDER BY d.rowid LIMIT 200")


class SQLStore(PersonNameIndex, Store):
    """A :class:`Store` whose analytics are the shared SQL below (each method is documented on
    :class:`Store`); SQLite and PostgreSQL stores derive from it."""

    # -- running SQL: each backend's own --------------------------------------------------------------
    @abc.abstractmethod
    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        """Run a query, return all rows."""

    @abc.abstractmethod
    def _run(self, sql: str, params: Iterable[Any] = ()) -> None:
        """Run one write statement (inside the current batch, else committed by itself)."""

    @abc.abstractmethod
    def _run_many(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        """Run one write statement for each row of parameters."""

    @abc.abstractmethod
    def _period_start(self, period: str) -> str:
        """The SQL expression, over ``d.published``, for the first day of the period it falls in
        (``period`` is one of PERIODS; weeks start on Monday), as YYYY-MM-DD text."""

    # -- counts over time ----------------------------------------------------------------------------
    def counts_over_time(self, kind: str, period: str = "week", source: str | None = None,
                         entity: str | None = None, *, include_other: bool = False) -> list[tuple[str, str, int]]:
        if kind not in LABEL_KINDS:
            raise StoreError(f"counts over time: kind must be one of {', '.join(LABEL_KINDS)}, not {kind!r}")
        if period not in PERIODS:
            raise StoreError(f"counts over time: period must be one of {', '.join(PERIODS)}, not {period!r}")
        bucket = self._period_start(period)
        entity = self.canonical_name(entity) if entity else entity  # a person's name as written (store.names)
        sql = (f"SELECT {bucket} AS p, l.label, count(DISTINCT d.id) FROM documents d"
               " JOIN doc_labels l ON l.doc_id = d.id WHERE l.kind = ? AND d.published IS NOT NULL")
        params: list[Any] = [kind]
        if source:
            sql += " AND d.source = ?"
            params.append(source)
        if entity:
            sql += " AND l.entity = ?" if kind == "role" else " AND l.label = ?"
            params.append(entity)
        if kind == "narrative" and not include_other:  # "no narrative" is a facet, not a trend line
            sql += " AND l.label <> ?"
            params.append(OTHER_NARRATIVE)
        sql += f" GROUP BY 1, 2 HAVING {bucket} IS NOT NULL ORDER BY 1, 2"
        return [(p, label, int(n)) for p, label, n in self._rows(sql, params)]

    def corpus_state(self) -> tuple:
        # documents are only ever added, clusters are replaced (new ids, new created_at), errors appended,
        # sightings (exact copies under other names) added
        return tuple(self._rows(
            "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM clusters),"
            " (SELECT max(created_at) FROM clusters), (SELECT coalesce(max(id), 0) FROM clusters),"
            " (SELECT count(*) FROM ingest_errors), (SELECT count(*) FROM sightings)")[0])

    # -- undated documents ----------------------------------------------------------------------------
    def undated_count(self, *, source: str | None = None, entity: str | None = None) -> tuple[int, int]:
        """(undated, documents): how many documents have no publication date, and how many there are,
        among one outlet's documents and/or those mentioning ``entity`` (as an entity or cast in a role)."""
        sql = "SELECT count(*) - count(d.published), count(*) FROM documents d"
        clauses: list[str] = []
        params: list[Any] = []
        if source:
            clauses.append("d.source = ?")
            params.append(source)
        if entity:
            clauses.append("d.id IN (SELECT doc_id FROM doc_labels WHERE (kind = 'entity' AND label = ?)"
                           " OR (kind = 'role' AND entity = ?))")
            params += [entity, entity]
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        undated, total = self._rows(sql, params)[0]
        return int(undated), int(total)

    # -- exact copies: one text stored once, seen under several names ---------------------------------
    def exact_copies(self, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Documents seen more than once (the same text under other file names, URLs or outlets), most
        sightings first, each with its ``sightings`` (source, url, origin, published, seen_at)."""
        rows = self._rows(
            "SELECT d.id, d.title, d.source, d.published, d.language, s.n FROM"
            " (SELECT doc_id, count(*) AS n FROM sightings GROUP BY doc_id HAVING count(*) > 1) s"
            " JOIN documents d ON d.id = s.doc_id ORDER BY s.n DESC, d.id LIMIT ? OFFSET ?",
            (max(0, int(limit)), max(0, int(offset))))
        out = [dict(zip(("doc_id", "title", "source", "published", "language", "copies"), r)) for r in rows]
        if out:
            marks = ", ".join("?" * len(out))
            seen: dict[str, list[dict[str, Any]]] = {}
            for doc_id, *rest in self._rows(
                    f"SELECT doc_id, source, url, origin, published, seen_at FROM sightings WHERE doc_id IN ({marks})"
                    " ORDER BY seen_at, source, url, origin", [c["doc_id"] for c in out]):
                seen.setdefault(doc_id, []).append(dict(zip(("source", "url", "origin", "published", "seen_at"), rest)))
            for c in out:
                c["copies"] = int(c["copies"])
                c["sightings"] = seen.get(c["doc_id"], [])
        return out

    def exact_copy_count(self) -> int:
        """How many documents were seen more than once."""
        return int(self._rows("SELECT count(*) FROM (SELECT doc_id FROM sightings GROUP BY doc_id HAVING count(*) > 1) s")[0][0])

    # -- MinHash signatures (incremental near-duplicate clusters) -------------------------------------
    def unsigned_ids(self, scheme: str) -> list[str]:
        """Stored documents without a signature of ``scheme``, in insertion order."""
        return [r[0] for r in self._rows(
            "SELECT d.id FROM documents d WHERE NOT EXISTS"
            " (SELECT 1 FROM doc_signatures s WHERE s.doc_id = d.id AND s.scheme = ?) ORDER BY d.rowid", (scheme,))]

    def put_signatures(self, scheme: str, rows: Iterable[tuple[str, str]]) -> None:
        """Store (doc_id, signature) pairs of ``scheme``, not yet clustered, replacing a document's earlier one."""
        rows = list(rows)
        if not rows:
            return
        with self.batch():
            self._run_many("DELETE FROM doc_signatures WHERE doc_id = ?", [(doc_id,) for doc_id, _ in rows])
            self._run_many("INSERT INTO doc_signatures (doc_id, scheme, signature, clustered) VALUES (?, ?, ?, 0)",
                           [(doc_id, scheme, sig) for doc_id, sig in rows])

    def signatures(self, scheme: str, *, unclustered: bool = False) -> dict[str, str]:
        """Stored signatures of ``scheme`` (doc_id -> signature; empty for a text without words); with
        ``unclustered``, only those of documents not yet compared with the others."""
        return dict(self._rows("SELECT doc_id, signature FROM doc_signatures WHERE scheme = ?"
                               + (" AND clustered = 0" if unclustered else ""), (scheme,)))

    def mark_clustered(self, scheme: str, ids: Iterable[str]) -> None:
        """The documents ``ids`` were compared with the others: the next update leaves them out."""
        self._run_many("UPDATE doc_signatures SET clustered = 1 WHERE doc_id = ? AND scheme = ?",
                       [(doc_id, scheme) for doc_id in ids])

    def update_clusters(self, kind: str, clusters: Iterable[dict[str, Any]], replacing: Iterable[int] = ()) -> int:
        """Replace the clusters ``replacing`` (ids) by ``clusters`` (each ``{"members": [...], earliest first,
        "similarity": {member: best estimate}}``), leaving the kind's other clusters as they are: what an
        incremental update writes. Returns how many were stored."""
        if kind not in CLUSTER_KINDS:
            raise StoreError(f"cluster kind must be one of {', '.join(CLUSTER_KINDS)}, not {kind!r}")
        now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        stored = 0
        with self.batch():
            gone = [(int(i),) for i in replacing]
            # new ids above every id so far, the replaced ones included: a changed cluster is never
            # mistaken for the one it replaces (links, the web UI's cache)
            next_id = max([int(self._rows("SELECT coalesce(max(id), 0) FROM clusters")[0][0])] + [g[0] for g in gone]) + 1
            if gone:
                self._run_many("DELETE FROM cluster_members WHERE cluster_id = ?", gone)
                self._run_many("DELETE FROM clusters WHERE id = ?", gone)
            for c in clusters:
                members = list(c["members"])
                if len(members) < 2:
                    continue
                best = c.get("similarity") or {}
                self._run("INSERT INTO clusters (id, kind, original, size, created_at) VALUES (?, ?, ?, ?, ?)",
                          (next_id, kind, members[0], len(members), now))
                self._run_many(
                    "INSERT INTO cluster_members (cluster_id, doc_id, position, similarity, evidence) VALUES (?, ?, ?, ?, ?)",
                    [(next_id, m, i, best.get(m), None) for i, m in enumerate(members)])
                next_id += 1
                stored += 1
        return stored

    # -- clusters -------------------------------------------------------------------------------------
    def replace_clusters(self, kind: str, clusters: Iterable[Any]) -> int:
        if kind not in CLUSTER_KINDS:
            raise StoreError(f"cluster kind must be one of {', '.join(CLUSTER_KINDS)}, not {kind!r}")
        now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        stored = 0
        with self.batch():
            self._run("DELETE FROM cluster_members WHERE cluster_id IN (SELECT id FROM clusters WHERE kind = ?)", (kind,))
            self._run("DELETE FROM clusters WHERE kind = ?", (kind,))
            next_id = int(self._rows("SELECT coalesce(max(id), 0) FROM clusters")[0][0]) + 1
            for c in clusters:
                c = c.to_dict() if hasattr(c, "to_dict") else dict(c)
                members = list(c["members"])
                if len(members) < 2:
                    continue
                best: dict[str, float] = {}
                evidence: dict[str, list[str]] = {}
                for pair in c.get("pairs", []):
                    score = float(next((pair[k] for k in ("jaccard", "anchor_score", "score") if k in pair), 0.0))
                    for m in (pair["a"], pair["b"]):
                        best[m] = max(best.get(m, 0.0), score)
                        if pair.get("evidence"):
                            evidence.setdefault(m, [])
                            evidence[m] += [e for e in pair["evidence"] if e not in evidence[m]]
                self._run("INSERT INTO clusters (id, kind, original, size, created_at) VALUES (?, ?, ?, ?, ?)",
                          (next_id, kind, members[0], len(members), now))
                self._run_many(
                    "INSERT INTO cluster_members (cluster_id, doc_id, position, similarity, evidence) VALUES (?, ?, ?, ?, ?)",
                    [(next_id, m, i, best.get(m), "\n".join(evidence.get(m, [])[:20]) or None) for i, m in enumerate(members)],
                )
                next_id += 1
                stored += 1
        return stored

    _CLUSTER_COLUMNS = ("id", "kind", "original", "size", "title", "source", "published", "language")

    def clusters(self, kind: str | None = None, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        sql = ("SELECT c.id, c.kind, c.original, c.size, d.title, d.source, d.published, d.language"
               " FROM clusters c LEFT JOIN documents d ON d.id = c.original")
        params: list[Any] = []
        if kind:
            sql += " WHERE c.kind = ?"
            params.append(kind)
        sql += " ORDER BY c.size DESC, c.id LIMIT ? OFFSET ?"
        return [dict(zip(self._CLUSTER_COLUMNS, r)) for r in self._rows(sql, params + [max(0, int(limit)), max(0, int(offset))])]

    def cluster_count(self, kind: str | None = None) -> int:
        if kind:
            return int(self._rows("SELECT count(*) FROM clusters WHERE kind = ?", (kind,))[0][0])
        return int(self._rows("SELECT count(*) FROM clusters")[0][0])

    def cluster(self, cluster_id: int) -> dict[str, Any] | None:
        rows = self._rows(
            "SELECT c.id, c.kind, c.original, c.size, d.title, d.source, d.published, d.language"
            " FROM clusters c LEFT JOIN documents d ON d.id = c.original WHERE c.id = ?", (int(cluster_id),))
        if not rows:
            return None
        out = dict(zip(self._CLUSTER_COLUMNS, rows[0]))
        keys = ("doc_id", "position", "similarity", "evidence", "title", "source", "url", "published", "language")
        out["members"] = [
            {**dict(zip(keys, r)), "evidence": r[3].split("\n") if r[3] else []}
            for r in self._rows(
                "SELECT m.doc_id, m.position, m.similarity, m.evidence, d.title, d.source, d.url, d.published, d.language"
                " FROM cluster_members m LEFT JOIN documents d ON d.id = m.doc_id WHERE m.cluster_id = ? ORDER BY m.position",
                (int(cluster_id),))
        ]
        return out

    def clusters_of(self, doc_id: str) -> list[dict[str, Any]]:
        rows = self._rows(
            "SELECT c.id, c.kind, c.original, c.size, m.position FROM cluster_members m JOIN clusters c ON c.id = m.cluster_id"
            " WHERE m.doc_id = ? ORDER BY c.kind, c.id", (doc_id,))
        return [dict(zip(("id", "kind", "original", "size", "position"), r)) for r in rows]

    # -- overview, entities, graphs -------------------------------------------------------------------
    def overview(self) -> dict[str, Any]:
        docs, sources, languages, first, last, dated = self._rows(
            "SELECT count(*), count(DISTINCT source), count(DISTINCT language), min(published), max(published),"
            " count(published) FROM documents")[0]
        return {
            "documents": int(docs), "sources": int(sources), "languages": int(languages),
            "first_published": first, "last_published": last, "dated": int(dated),
            "clusters": {k: self.cluster_count(k) for k in CLUSTER_KINDS},
            "errors": int(self._rows("SELECT count(*) FROM ingest_errors")[0][0]),
        }

    def top_labels(self, kind: str, *, limit: int = 20, source: str | None = None) -> list[tuple[str, int]]:
        if kind not in LABEL_KINDS:
            raise StoreError(f"kind must be one of {', '.join(LABEL_KINDS)}, not {kind!r}")
        if source:
            # CROSS JOIN: the source's documents first, then their labels (SQLite keeps that order)
            rows = self._rows(
                "SELECT l.label, count(DISTINCT l.doc_id) AS n FROM documents d CROSS JOIN doc_labels l"
                " WHERE l.doc_id = d.id AND l.kind = ? AND d.source = ? GROUP BY l.label ORDER BY n DESC, l.label LIMIT ?",
                (kind, source, limit))
        else:
            rows = self._rows(
                "SELECT label, count(DISTINCT doc_id) AS n FROM doc_labels WHERE kind = ?"
                " GROUP BY label ORDER BY n DESC, label LIMIT ?", (kind, limit))
        return [(label, int(n)) for label, n in rows]

    def entity_profile(self, name: str, *, period: str = "month", source: str | None = None) -> dict[str, Any] | None:
        name = self.canonical_name(name)  # "Putin" opens the page of "Vladimir Putin" (store.names)
        # "in the source's documents": a join to documents only when a source is asked for
        src = (" JOIN documents d ON d.id = l.doc_id", " AND d.source = ?", [source]) if source else ("", "", [])
        docs = int(self._rows(
            f"SELECT count(DISTINCT l.doc_id) FROM doc_labels l{src[0]} WHERE l.kind = 'entity' AND l.label = ?{src[1]}",
            [name] + src[2])[0][0])
        roles = [(r, int(n)) for r, n in self._rows(
            f"SELECT l.label, count(DISTINCT l.doc_id) AS n FROM doc_labels l{src[0]} WHERE l.kind = 'role' AND l.entity = ?{src[1]}"
            " GROUP BY l.label ORDER BY n DESC, l.label", [name] + src[2])]
        if not docs and not roles:
            return None
        by_source = [
            {"source": s, "role": r, "documents": int(n)} for s, r, n in self._rows(
                "SELECT coalesce(d.source, ''), l.label, count(DISTINCT l.doc_id) AS n FROM doc_labels l"
                f" JOIN documents d ON d.id = l.doc_id WHERE l.kind = 'role' AND l.entity = ?{src[1]}"
                " GROUP BY d.source, l.label ORDER BY n DESC, coalesce(d.source, ''), l.label LIMIT 200", [name] + src[2])
        ]
        # with a source: that source's documents first (CROSS JOIN keeps SQLite to this order)
        together = [(e, int(n)) for e, n in self._rows(
            "SELECT b.label, count(DISTINCT b.doc_id) AS n FROM "
            + ("documents d CROSS JOIN doc_labels l CROSS JOIN doc_labels b WHERE l.doc_id = d.id AND d.source = ? AND"
               if source else "doc_labels l CROSS JOIN doc_labels b WHERE")
            + " b.doc_id = l.doc_id AND l.kind = 'entity' AND l.label = ? AND b.kind = 'entity' AND b.label <> l.label"
            " GROUP BY b.label ORDER BY n DESC, b.label LIMIT 30", src[2] + [name])]
        recent = [
            dict(zip(("doc_id", "title", "source", "published", "language"), r)) for r in self._rows(
                "SELECT d.id, d.title, d.source, d.published, d.language FROM documents d WHERE d.id IN"
                " (SELECT doc_id FROM doc_labels WHERE kind IN ('entity', 'role') AND (label = ? OR entity = ?))"
                + (" AND d.source = ?" if source else "")
                + " ORDER BY d.published IS NULL, d.published DESC, d.id LIMIT 20", [name, name] + src[2])
        ]
        return {
            "entity": name, "source": source, "documents": docs, "roles": roles, "roles_by_source": by_source,
            "roles_over_time": self.counts_over_time("role", period, source=source, entity=name),
            "co_occurring": together, "recent": recent,
            "also_written_as": self.name_forms(name),
        }

    def outlet_profile(self, name: str) -> dict[str, Any] | None:
        from ..outlets import outlet_name_key

        found = self._rows(
            "SELECT label, count(DISTINCT doc_id) AS n FROM doc_labels WHERE kind = 'outlet' AND (label = ? OR entity = ?)"
            " GROUP BY label ORDER BY n DESC, label LIMIT 1", [name, outlet_name_key(name) or name])
        if not found:
            return None
        outlet = found[0][0]
        documents = int(self._rows("SELECT count(DISTINCT doc_id) FROM doc_labels WHERE kind = 'outlet' AND label = ?",
                                   [outlet])[0][0])
        labels = [(label, int(n)) for label, n in self._rows(
            "SELECT label, count(DISTINCT doc_id) AS n FROM doc_labels WHERE kind = 'outlet_label' AND entity = ?"
            " GROUP BY label ORDER BY n DESC, label", [outlet])]
        # the country and the labels' sources as the most recently stored document has them
        latest = self._rows("SELECT d.id FROM documents d WHERE d.id IN (SELECT doc_id FROM doc_labels WHERE kind = 'outlet'"
                            " AND label = ?) ORDER BY d.rowid DESC LIMIT 1", [outlet])
        doc = self.get(latest[0][0]) if latest else None
        group = next((g for g in (doc.groups.get("outlets", []) if doc else []) if g.label == outlet), None)
        attrs = group.attrs if group is not None else {}
        sources = attrs.get("label_sources") if isinstance(attrs.get("label_sources"), dict) else {}
        country = attrs.get("country") if isinstance(attrs.get("country"), str) else None
        return {"outlet": outlet, "country": country, "documents": documents,
                "labels": [{"label": label, "source": sources.get(label) if isinstance(sources.get(label), str) else None,
                            "documents": n} for label, n in labels]}

    def entity_graph(self, *, limit: int = 60, min_documents: int = 2, source: str | None = None) -> dict[str, Any]:
        src_join, src_where, src_params = "", "", []
        if source:
            src_join, src_where, src_params = " JOIN documents d ON d.id = l.doc_id", " AND d.source = ?", [source]
        top = self._rows(
            f"SELECT l.label, count(DISTINCT l.doc_id) AS n FROM doc_labels l{src_join} WHERE l.kind = 'entity'{src_where}"
            " GROUP BY l.label ORDER BY n DESC, l.label LIMIT ?", src_params + [limit])
        names = [r[0] for r in top]
        if not names:
            return {"nodes": [], "edges": [], "cast": []}
        marks = ", ".join("?" * len(names))
        role_rows = self._rows(
            f"SELECT l.entity, l.label, count(DISTINCT l.doc_id) FROM doc_labels l{src_join}"
            f" WHERE l.kind = 'role' AND l.entity IN ({marks}){src_where} GROUP BY l.entity, l.label", names + src_params)
        roles: dict[str, dict[str, int]] = {}
        for entity, role, n in role_rows:
            roles.setdefault(entity, {})[role] = int(n)
        nodes = [{"id": name, "documents": int(n), "roles": roles.get(name, {})} for name, n in top]
        edge_src = (" JOIN documents d ON d.id = a.doc_id", " AND d.source = ?") if source else ("", "")
        edges = [
            {"source": a, "target": b, "kind": "co-occurrence", "documents": int(n)} for a, b, n in self._rows(
                f"SELECT a.label, b.label, count(DISTINCT a.doc_id) AS n FROM doc_labels a"
                f" JOIN doc_labels b ON b.doc_id = a.doc_id AND b.kind = 'entity' AND a.label < b.label{edge_src[0]}"
                f" WHERE a.kind = 'entity' AND a.label IN ({marks}) AND b.label IN ({marks}){edge_src[1]}"
                " GROUP BY a.label, b.label HAVING count(DISTINCT a.doc_id) >= ? ORDER BY n DESC, a.label, b.label LIMIT 500",
                names + names + src_params + [max(1, int(min_documents))])
        ]
        cast = [
            {"source": s, "entity": e, "role": r, "kind": "cast-as", "documents": int(n)} for s, e, r, n in self._rows(
                "SELECT coalesce(d.source, ''), l.entity, l.label, count(DISTINCT l.doc_id) AS n FROM doc_labels l"
                f" JOIN documents d ON d.id = l.doc_id WHERE l.kind = 'role' AND l.entity IN ({marks})"
                + (" AND d.source = ?" if source else "")
                + " GROUP BY d.source, l.entity, l.label ORDER BY n DESC, l.entity, l.label, coalesce(d.source, '') LIMIT 500",
                names + src_params)
        ]
        return {"nodes": nodes, "edges": edges, "cast": cast}

    def citation_graph(self, *, limit: int = 300) -> dict[str, Any]:
        # a document with no known outlet is no node: it is counted apart ("without_outlet")
        edges = [
            {"source": s, "target": t, "kind": "cites" if k == "cited" else "quotes", "documents": int(n)}
            for s, t, k, n in self._rows(
                "SELECT d.source, l.label, l.kind, count(DISTINCT l.doc_id) AS n FROM doc_labels l"
                " JOIN documents d ON d.id = l.doc_id WHERE l.kind IN ('cited', 'speaker') AND d.source IS NOT NULL"
                " AND d.source <> '' GROUP BY d.source, l.label, l.kind ORDER BY n DESC, l.label, l.kind, d.source LIMIT ?",
                (limit,))
        ]
        without_outlet = int(self._rows(
            "SELECT count(DISTINCT l.doc_id) FROM doc_labels l JOIN documents d ON d.id = l.doc_id"
            " WHERE l.kind IN ('cited', 'speaker') AND (d.source IS NULL OR d.source = '')")[0][0])
        nodes: dict[tuple[str, str], int] = {}
        for e in edges:
            nodes[("outlet", e["source"])] = nodes.get(("outlet", e["source"]), 0) + e["documents"]
            kind = "cited" if e["kind"] == "cites" else "speaker"
            nodes[(kind, e["target"])] = nodes.get((kind, e["target"]), 0) + e["documents"]
        return {"nodes": [{"id": name, "kind": kind, "documents": n} for (kind, name), n in
                          sorted(nodes.items(), key=lambda kv: (-kv[1], kv[0]))],
                "edges": edges, "without_outlet": without_outlet}

    def iter_documents(self, page: int = 500) -> Iterator[Document]:
        for chunk in batch_iter(self.ids(), page):
            marks = ", ".join("?" * len(chunk))
            found = dict(self._rows(f"SELECT id, json FROM documents WHERE id IN ({marks})", chunk))
            for doc_id in chunk:
                if doc_id in found:
                    yield Document.from_json(found[doc_id])



def most_connected(nodes: list[dict[str, Any]], edges: list[dict[str, Any]], n: int, *,
                   key: Callable[[dict[str, Any]], Any] = lambda node: node["id"],
                   ends: Callable[[dict[str, Any]], tuple[Any, Any]] = lambda edge: (edge["source"], edge["target"]),
                   ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The ``n`` nodes with the most documents on their edges (their weighted degree, given to each as
    ``connections``; ties: more documents, then the name) and the edges among them: a graph small
    enough to draw with every node labelled. ``key``: a node's identity; ``ends``: an edge's two."""
    degree: dict[Any, int] = {}
    for e in edges:
        for end in set(ends(e)):
            degree[end] = degree.get(end, 0) + int(e["documents"])
    ranked = sorted(nodes, key=lambda nd: (-degree.get(key(nd), 0), -int(nd["documents"]), str(key(nd))))[:max(0, n)]
    keep = {key(nd) for nd in ranked}
    return ([{**nd, "connections": degree.get(key(nd), 0)} for nd in ranked],
            [e for e in edges if all(end in keep for end in ends(e))])


def citation_node(node: dict[str, Any]) -> tuple[str, str]:
    """A citation graph node's identity: (kind, name); an outlet may also be cited."""
    return node["kind"], node["id"]


def citation_ends(edge: dict[str, Any]) -> tuple[tuple[str, str], tuple[str, str]]:
    """A citation graph edge's two nodes, as :func:`citation_node` names them."""
    return ("outlet", edge["source"]), ("cited" if edge["kind"] == "cites" else "speaker", edge["target"])


def batch_iter(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """``items`` in lists of ``size`` (the last one shorter)."""
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
