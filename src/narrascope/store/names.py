"""The corpus-wide names of people: "Putin", "President Putin", "V. Putin" and "Vladimir Putin" in different
documents are one entity, named "Vladimir Putin", in the facets, searches, entity pages and graphs.

Each document's people's names as written (:func:`narrascope.store.rows.person_forms`) go into two tables
both backends create from :data:`NAME_TABLES_SQL`: ``person_names`` (one row per written form: its surname
key, its given names, in how many documents, and its corpus-wide ``label``) and ``doc_person_names`` (which
documents write which form). The labels of a surname's forms are worked out again whenever a document brings
a form of it (:func:`narrascope.naming.person_labels`: one person, the fullest common form; several people
sharing a surname, the bare surname left alone), so the index stays current as documents arrive, with no
corpus-wide recomputation. ``doc_labels`` stores the corpus-wide names; when a label changes (a first full
name arrives, or a second person with the same surname makes a bare surname ambiguous), the labels of the
documents that write the changed forms are written again from their stored JSON. Both backends run this same
SQL (``?`` placeholders, ``ON CONFLICT``), through the three ways to run SQL that :class:`SQLStore` defines
and one way to write a document's labels (``_write_labels``).
"""

from __future__ import annotations

import abc
from typing import Any, Callable, Iterable

from ..model import Document
from ..naming import person_labels
from .rows import document_labels, person_forms

# Tables both backends create the same way (their own migrations run this DDL).
NAME_TABLES_SQL = """
CREATE TABLE person_names (
    form TEXT PRIMARY KEY,             -- a person's name as documents write it ("President Putin")
    surname_key TEXT NOT NULL,         -- its surname folded (naming.surname_key): the forms that may be one person
    given TEXT NOT NULL DEFAULT '',    -- its given names or initials, space-separated ('' for a bare surname)
    label TEXT NOT NULL,               -- its corpus-wide name, the one doc_labels stores ("Vladimir Putin")
    documents INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX person_names_key ON person_names(surname_key);
CREATE INDEX person_names_label ON person_names(label);
CREATE TABLE doc_person_names (
    doc_id TEXT NOT NULL,
    form TEXT NOT NULL,
    PRIMARY KEY (doc_id, form)
);
CREATE INDEX doc_person_names_form ON doc_person_names(form, doc_id)
"""

# the label kinds whose names the index maps (entity labels, the entity of a role, speakers)
NAMED_KINDS = ("entity", "role", "speaker")
_PAGE = 200


def storable(text: str) -> bool:
    """Text both databases hold as it is (no lone surrogate, no NUL): the index keeps only such names, so
    every name it is asked about is looked up as written."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


class PersonNameIndex(abc.ABC):
    """The person-name index of a SQL store (see the module's docstring)."""

    @abc.abstractmethod
    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]: ...

    @abc.abstractmethod
    def _run(self, sql: str, params: Iterable[Any] = ()) -> None: ...

    @abc.abstractmethod
    def _run_many(self, sql: str, rows: Iterable[Iterable[Any]]) -> None: ...

    @abc.abstractmethod
    def _write_labels(self, doc_id: str, labels: list[tuple[str, str, str, int]]) -> None:
        """Insert a document's doc_labels rows (kind, label, entity, count) as the backend stores them."""

    @abc.abstractmethod
    def _table_exists(self, name: str) -> bool:
        """Whether the store has this table (a store opened at an older schema version, as tests do, has not)."""

    def _has_name_index(self) -> bool:
        ready = self.__dict__.get("_name_index_ready")
        if ready is None:
            ready = self.__dict__["_name_index_ready"] = self._table_exists("person_names")
        return ready

    # -- writing ------------------------------------------------------------------------------------
    def _record_forms(self, doc_id: str, doc: Document) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Count the ways ``doc`` writes its people's names in the index (one more document for each form);
        returns them, each with its surname key and given names."""
        forms = {form: parts for form, parts in person_forms(doc).items() if storable(form)}
        if forms:
            self._run_many("INSERT INTO doc_person_names (doc_id, form) VALUES (?, ?) ON CONFLICT DO NOTHING",
                           [(doc_id, form) for form in forms])
            self._run_many(
                "INSERT INTO person_names (form, surname_key, given, label, documents) VALUES (?, ?, ?, ?, 1)"
                " ON CONFLICT (form) DO UPDATE SET documents = person_names.documents + 1",
                [(form, key, " ".join(given), form) for form, (key, given) in forms.items()])
        return forms

    def _index_names(self, doc_id: str, doc: Document) -> dict[str, str]:
        """Record a new document's people's names; returns the corpus-wide name of each of them. The labels
        of other documents that write a form whose name changed are rewritten (:meth:`_relabel`)."""
        if not self._has_name_index():
            return {}
        forms = self._record_forms(doc_id, doc)
        if not forms:
            return {}
        changed = self._settle({key for key, _ in forms.values()})
        names = dict(self._rows(
            f"SELECT form, label FROM person_names WHERE form IN ({', '.join('?' * len(forms))})", list(forms)))
        self._relabel(changed, skip=doc_id)
        return names

    def _settle(self, keys: Iterable[str]) -> set[str]:
        """Work out again the labels of every form of these surname keys; the forms whose label changed."""
        changed: set[str] = set()
        keys = sorted(keys)
        for k in range(0, len(keys), _PAGE):
            chunk = keys[k:k + _PAGE]
            by_key: dict[str, list[tuple]] = {}
            for key, *row in self._rows("SELECT surname_key, form, given, documents, label FROM person_names"
                                        f" WHERE surname_key IN ({', '.join('?' * len(chunk))})", chunk):
                by_key.setdefault(key, []).append(row)
            updates = []
            for rows in by_key.values():
                labels = person_labels([(form, tuple(given.split()), int(n)) for form, given, n, _ in rows],
                                       current={form: old for form, _, _, old in rows})
                updates += [(labels[form], form) for form, _, _, old in rows if labels[form] != old]
            if updates:
                self._run_many("UPDATE person_names SET label = ? WHERE form = ?", updates)
                changed.update(form for _, form in updates)
        return changed

    def _relabel(self, forms: set[str], skip: str = "") -> int:
        """Write again the entity, role and speaker labels of the stored documents that write one of ``forms``
        (but ``skip``); returns how many documents were rewritten."""
        if not forms:
            return 0
        forms_list = sorted(forms)
        doc_ids: set[str] = set()
        for k in range(0, len(forms_list), _PAGE):
            chunk = forms_list[k:k + _PAGE]
            doc_ids.update(r[0] for r in self._rows(
                f"SELECT DISTINCT doc_id FROM doc_person_names WHERE form IN ({', '.join('?' * len(chunk))})", chunk))
        doc_ids.discard(skip)
        self._rewrite_labels(sorted(doc_ids), NAMED_KINDS)
        return len(doc_ids)

    def _rewrite_labels(self, doc_ids: list[str], kinds: tuple[str, ...]) -> None:
        """Derive again, from their stored JSON, these labels of these documents, with the current names."""
        kind_list = ", ".join(f"'{k}'" for k in kinds)  # fixed words, not input
        for k in range(0, len(doc_ids), _PAGE):
            chunk = doc_ids[k:k + _PAGE]
            marks = ", ".join("?" * len(chunk))
            payloads = self._rows(f"SELECT id, json FROM documents WHERE id IN ({marks})", chunk)
            names = dict(self._rows(
                f"SELECT p.form, p.label FROM doc_person_names d JOIN person_names p ON p.form = d.form"
                f" WHERE d.doc_id IN ({marks})", chunk))
            for doc_id, payload in payloads:
                labels = [row for row in document_labels(Document.from_json(payload), names) if row[0] in kinds]
                self._run(f"DELETE FROM doc_labels WHERE doc_id = ? AND kind IN ({kind_list})", (doc_id,))
                self._write_labels(doc_id, labels)

    def _index_stored_names(self) -> int:
        """Index the people's names of every stored document, then derive again the entity, role, speaker and
        cited-source labels of every one (a store made before the index existed: names merged, demonyms joined to
        their places, speakers and sources that are no names dropped); returns how many documents there are."""
        doc_ids = [doc_id for doc_id, in self._rows("SELECT id FROM documents ORDER BY id")]
        keys: set[str] = set()
        for doc_id in doc_ids:
            payload = self._rows("SELECT json FROM documents WHERE id = ?", (doc_id,))[0][0]
            forms = self._record_forms(doc_id, Document.from_json(payload))
            keys.update(key for key, _ in forms.values())
        self._settle(keys)
        self._rewrite_labels(doc_ids, NAMED_KINDS + ("cited",))
        return len(doc_ids)

    # -- reading ------------------------------------------------------------------------------------
    def name_forms(self, label: str) -> list[str]:
        """The other ways documents write the person named ``label`` ("Putin", "President Putin" for
        "Vladimir Putin"), most documents first: an entity page's "also written as"."""
        if not self._has_name_index() or not storable(label):
            return []
        return [form for form, in self._rows(
            "SELECT form FROM person_names WHERE label = ? AND form <> label ORDER BY documents DESC, form", (label,))]

    def _with_canonical_entity(self, filters: dict[str, Any]) -> dict[str, Any]:
        """Search filters with a person's name as written ("--entity Putin") turned into its corpus-wide name."""
        entity = filters.get("entity")
        if isinstance(entity, str) and entity:
            return {**filters, "entity": self.canonical_name(entity)}
        return filters

    def canonical_name(self, name: str) -> str:
        """The corpus-wide name of a person's name as written (the name itself when the index does not know it)."""
        if not self._has_name_index() or not storable(name):
            return name
        rows = self._rows("SELECT label FROM person_names WHERE form = ?", (name,))
        return rows[0][0] if rows else name


class _Over(PersonNameIndex):
    """The index over plain functions that run SQL: a migration's connection, before any store object exists."""

    def __init__(self, execute: Callable[[str, list], Any], execute_many: Callable[[str, list], Any],
                 write_labels: Callable[[str, list], None]) -> None:
        self._execute, self._execute_many, self._write = execute, execute_many, write_labels

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        return self._execute(sql, list(params)).fetchall()

    def _run(self, sql: str, params: Iterable[Any] = ()) -> None:
        self._execute(sql, list(params))

    def _run_many(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        rows = [list(r) for r in rows]
        if rows:
            self._execute_many(sql, rows)

    def _write_labels(self, doc_id: str, labels: list[tuple[str, str, str, int]]) -> None:
        if labels:
            self._write(doc_id, labels)

    def _table_exists(self, name: str) -> bool:
        return True  # the migration has just created them


def index_stored_names(execute: Callable[[str, list], Any], execute_many: Callable[[str, list], Any],
                       write_labels: Callable[[str, list], None]) -> int:
    """A migration's step: index the people's names of every stored document and relabel them, given a
    backend's ways to run SQL with ``?`` placeholders (``execute`` returns a cursor) and to insert a document's
    labels; returns how many documents were relabelled."""
    return _Over(execute, execute_many, write_labels)._index_stored_names()
