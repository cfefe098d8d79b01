"""Outlet knowledge: a user-supplied file of outlets (names, aliases, country, labels with their
sources) and the matching of written names, domains and channel links against it.

The file is the user's: narrascope ships no list (see the README, "Outlet knowledge"). Two formats:

- CSV with a header: ``name`` (required), ``aliases`` (separated by ``|``), ``country``, ``domains``
  (separated by ``|``), ``label`` and ``source`` (the URL that backs the label). One row per label: rows
  with the same name are one outlet, their aliases and domains merged; a row without a label only
  names the outlet.
- JSON: a list of outlets (or ``{"outlets": [...]}``), each ``{"name": ..., "aliases": [...],
  "country": ..., "domains": [...], "labels": [{"label": ..., "source": "https://..."}, ...]}``.

A label's source must be an http(s) URL (it becomes a link in reports). Any problem is one
:class:`~narrascope.errors.InputError` naming the file and the line or item.

Matching (:class:`OutletIndex`): names are transliterated to ASCII (anyascii: "Царьград ТВ" is
"Tsar'grad TV"), lower-cased, stripped of punctuation and of generic suffix words ("TV", "channel", see
``data/outlet_names.json``) and joined, so "Tsargrad TV", "Tsar'grad" and "Царьград" share the key
``tsargrad``. A spelling variant ("Tsarigrad") matches through a skeleton key (the first letter, then
the consonants and digits: ``tsrgrd``) only when that skeleton is at least 4 characters long and the two
keys differ by at most a quarter of their letters, so short names (RT, TASS) match exactly or not at all.
Domains match the outlet's listed domains (and their subdomains), else their site name ("tsargrad" of
tsargrad.tv) matches a name exactly; ``t.me/NAME`` and YouTube ``@NAME`` links match NAME as a name.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

from anyascii import anyascii
from rapidfuzz.distance import Levenshtein

from .errors import InputError, printable
from .resources import load_json

ENV_VAR = "NARRASCOPE_OUTLETS"
MAX_FILE_BYTES = 50_000_000
MIN_SKELETON = 4  # shorter skeletons match nothing fuzzily (RT, TASS, Vesti)
MIN_FUZZY_KEY = 5


@dataclass(frozen=True)
class Outlet:
    """One outlet of the user's file. ``label_sources`` maps each label that has one to its source URL."""

    name: str
    aliases: tuple[str, ...] = ()
    country: str | None = None
    domains: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    label_sources: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "aliases": list(self.aliases), "country": self.country,
                "domains": list(self.domains), "labels": list(self.labels), "label_sources": dict(self.label_sources)}


# -- keys -------------------------------------------------------------------------------------------


@functools.cache
def _settings() -> dict[str, Any]:
    data = load_json("outlet_names.json")
    return {"suffixes": frozenset(data["generic_suffixes"]), "vowels": re.compile(f"[{data['vowels']}]"),
            "telegram": frozenset(data["telegram_hosts"]), "youtube": frozenset(data["youtube_hosts"]),
            "second_level": frozenset(data["second_level_words"])}


_TOKEN = re.compile(r"[a-z0-9]+")
_DOUBLE = re.compile(r"(.)\1+")


@functools.lru_cache(maxsize=65536)
def name_keys(text: str) -> tuple[str, ...]:
    """The keys a written name is compared by: the whole name, then without its generic suffix words
    ("Tsargrad TV" -> ``("tsargradtv", "tsargrad")``); empty for a name with no letter or digit."""
    ascii_text = anyascii(unicodedata.normalize("NFKC", text)).lower()
    tokens = _TOKEN.findall(ascii_text.replace("'", "").replace("`", ""))
    if tokens and tokens[0] == "the" and len(tokens) > 1:
        tokens = tokens[1:]
    if not tokens:
        return ()
    keys = ["".join(tokens)]
    suffixes = _settings()["suffixes"]
    while len(tokens) > 1 and tokens[-1] in suffixes:
        tokens = tokens[:-1]
    stripped = "".join(tokens)
    if len(tokens) == 1:  # one word: a squashed suffix too ("tsargradtv", a channel handle)
        for suffix in sorted(suffixes, key=len, reverse=True):
            if stripped.endswith(suffix) and len(stripped) - len(suffix) >= MIN_SKELETON:
                stripped = stripped[: -len(suffix)]
                break
    if stripped != keys[0] and len(stripped) >= 2:
        keys.append(stripped)
    return tuple(keys)


def outlet_name_key(text: str) -> str:
    """One key for a written name: without its generic suffix words ("Tsarigrad TV" -> ``tsarigrad``)."""
    keys = name_keys(text)
    return keys[-1] if keys else ""


def skeleton(key: str) -> str:
    """The first letter, then the key without vowels, repeated letters once: ``tsarigrad`` -> ``tsrgrd``."""
    if not key:
        return key
    return _DOUBLE.sub(r"\1", key[0] + _settings()["vowels"].sub("", key[1:]))


def _close(a: str, b: str) -> bool:
    """Two keys with the same skeleton are the same name when both are long enough and differ by at most
    a quarter of the longer one's characters."""
    if min(len(a), len(b)) < MIN_FUZZY_KEY:
        return False
    return Levenshtein.distance(a, b) <= max(1, max(len(a), len(b)) // 4)


def _host(value: str) -> str:
    value = value.strip().lower()
    try:
        host = urlsplit(value if "://" in value else "http://" + value).hostname or ""
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def site_name(domain: str) -> str:
    """The name part of a host: ``tsargrad`` of tsargrad.tv, ``example`` of news.example.co.uk."""
    labels = [x for x in domain.lower().split(".") if x]
    if len(labels) < 2:
        return ""
    labels = labels[:-1]  # the top-level domain
    if len(labels) > 1 and labels[-1] in _settings()["second_level"]:
        labels = labels[:-1]
    return labels[-1]


# -- the index --------------------------------------------------------------------------------------


class OutletIndex:
    """The outlets of one file, looked up by written name, domain or URL."""

    def __init__(self, outlets: Iterable[Outlet], path: str = "") -> None:
        self.outlets: list[Outlet] = list(outlets)
        self.path = path
        self._by_key: dict[str, Outlet] = {}
        self._by_skeleton: dict[str, list[tuple[str, Outlet]]] = {}
        self._by_domain: dict[str, Outlet] = {}
        for outlet in self.outlets:
            for written in (outlet.name, *outlet.aliases):
                for key in name_keys(written):
                    self._by_key.setdefault(key, outlet)  # the first outlet to claim a key keeps it
            for domain in outlet.domains:
                self._by_domain.setdefault(domain, outlet)
        for key, outlet in self._by_key.items():
            if len(skeleton(key)) >= MIN_SKELETON:
                self._by_skeleton.setdefault(skeleton(key), []).append((key, outlet))

    def __len__(self) -> int:
        return len(self.outlets)

    def match(self, text: str) -> Outlet | None:
        """The outlet a written name ("Tsarigrad", "Царьград ТВ", "the Tsargrad channel") names, or None."""
        found = self.match_how(text)
        return found[0] if found else None

    def match_how(self, text: str) -> tuple[Outlet, str] | None:
        """(outlet, how): "name" when the keys are equal, "spelling" when only the skeletons are."""
        if not text or len(text) > 300:
            return None
        keys = name_keys(text)
        for key in keys:
            if key in self._by_key:
                return self._by_key[key], "name"
        for key in reversed(keys):  # the stripped key first: "Tsarigrad TV" is "tsarigrad"
            candidates = {id(o): o for k, o in self._by_skeleton.get(skeleton(key), []) if _close(key, k)}
            if len(candidates) == 1:
                return next(iter(candidates.values())), "spelling"
        return None

    def match_domain(self, domain: str) -> Outlet | None:
        """The outlet of a host: one of its listed domains or their subdomains, else the host's site name
        matching an outlet's name or alias exactly (tsargrad.tv: "Tsargrad")."""
        host = _host(domain)
        if not host or len(host) > 253:
            return None
        parts = host.split(".")
        for i in range(len(parts) - 1):
            found = self._by_domain.get(".".join(parts[i:]))
            if found is not None:
                return found
        name = site_name(host)
        for key in name_keys(name) if len(name) >= 2 else ():
            if key in self._by_key:
                return self._by_key[key]
        return None

    def channel_handle(self, url: str) -> str | None:
        """The channel a Telegram (t.me/NAME) or YouTube (youtube.com/@NAME, /c/NAME) link points to."""
        try:
            parts = urlsplit(url if "://" in url else "http://" + url)
        except ValueError:
            return None
        host = _host(url)
        path = [p for p in (parts.path or "").split("/") if p]
        settings = _settings()
        if host in settings["telegram"] and path:
            handle = path[1] if path[0] == "s" and len(path) > 1 else path[0]
            return None if handle in ("joinchat", "share", "addstickers") or handle.startswith("+") else handle
        if host in settings["youtube"] and path:
            if path[0].startswith("@"):
                return path[0][1:]
            if path[0] in ("c", "user") and len(path) > 1:
                return path[1]
        return None

    def match_url(self, url: str) -> tuple[Outlet, str] | None:
        """(outlet, what matched) for a link: the channel it points to, else its domain."""
        handle = self.channel_handle(url)
        if handle:
            found = self.match(handle)
            return (found, handle) if found is not None else None  # a channel, not the platform's own domain
        found = self.match_domain(url)
        return (found, _host(url)) if found is not None else None


# -- loading ----------------------------------------------------------------------------------------


def _split(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split("|") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise ValueError("must be a string or a list of strings")


def _check_url(url: str) -> str:
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise ValueError(f"source {printable(url, 80)!r} is not an http(s) URL")
    return url


def _clean_domain(value: str) -> str:
    host = _host(value)
    if not host or "." not in host:
        raise ValueError(f"domain {printable(value, 80)!r} is not a domain name")
    return host


class _Builder:
    """Outlets as they are read: rows with the same name are merged."""

    def __init__(self) -> None:
        self.order: list[str] = []
        self.items: dict[str, dict[str, Any]] = {}

    def add(self, name: str, aliases: list[str], country: str | None, domains: list[str],
            labels: list[tuple[str, str | None]]) -> None:
        name = " ".join(name.split())
        if not name:
            raise ValueError("the outlet has no name")
        if not name_keys(name):
            raise ValueError(f"name {printable(name, 80)!r} has no letter or digit")
        item = self.items.get(name)
        if item is None:
            item = self.items[name] = {"aliases": [], "country": None, "domains": [], "labels": [], "sources": {}}
            self.order.append(name)
        for alias in aliases:
            if alias not in item["aliases"] and alias != name:
                item["aliases"].append(alias)
        if country:
            if item["country"] and item["country"] != country:
                raise ValueError(f"{printable(name, 80)!r} is given two countries ({item['country']}, {country})")
            item["country"] = country
        for domain in domains:
            domain = _clean_domain(domain)
            if domain not in item["domains"]:
                item["domains"].append(domain)
        for label, source in labels:
            label = " ".join(label.split())
            if not label:
                continue
            if label not in item["labels"]:
                item["labels"].append(label)
            if source:
                item["sources"][label] = _check_url(source)

    def outlets(self) -> list[Outlet]:
        return [Outlet(name, tuple(i["aliases"]), i["country"], tuple(i["domains"]), tuple(i["labels"]), dict(i["sources"]))
                for name, i in ((n, self.items[n]) for n in self.order)]


def _read_csv(text: str, where: str) -> list[Outlet]:
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    if "name" not in fields:
        raise InputError(f"{where}: a CSV outlets file needs a header with a 'name' column "
                         "(and aliases, country, domains, label, source)")
    reader.fieldnames = fields
    builder = _Builder()
    for row in reader:
        line = reader.line_num
        if None in row:
            raise InputError(f"{where}:{line}: more cells than header columns")
        if not any((v or "").strip() for v in row.values()):
            continue
        try:
            label = (row.get("label") or "").strip()
            source = (row.get("source") or "").strip() or None
            if source and not label:
                raise ValueError("a source without a label")
            builder.add(row.get("name") or "", _split(row.get("aliases")), (row.get("country") or "").strip() or None,
                        _split(row.get("domains")), [(label, source)] if label else [])
        except ValueError as exc:
            raise InputError(f"{where}:{line}: {exc}") from None
    return builder.outlets()


def _read_json(text: str, where: str) -> list[Outlet]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    if isinstance(data, dict) and isinstance(data.get("outlets"), list):
        data = data["outlets"]
    if not isinstance(data, list):
        raise InputError(f'{where}: a JSON outlets file is a list of outlets, or {{"outlets": [...]}}')
    builder = _Builder()
    for i, item in enumerate(data):
        try:
            if not isinstance(item, dict):
                raise ValueError("an outlet is an object with a name")
            name = item.get("name")
            if not isinstance(name, str):
                raise ValueError("the outlet has no name")
            country = item.get("country")
            if country is not None and not isinstance(country, str):
                raise ValueError("country must be a string")
            raw_labels = item.get("labels") or []
            if not isinstance(raw_labels, list):
                raise ValueError('labels must be a list of {"label": ..., "source": ...}')
            labels: list[tuple[str, str | None]] = []
            for entry in raw_labels:
                if isinstance(entry, str):
                    labels.append((entry, None))
                elif isinstance(entry, dict) and isinstance(entry.get("label"), str) and \
                        isinstance(entry.get("source"), (str, type(None))):
                    labels.append((entry["label"], entry.get("source") or None))
                else:
                    raise ValueError('each label is {"label": TEXT, "source": URL} or a string')
            builder.add(name, _field_list(item, "aliases"), (country or "").strip() or None,
                        _field_list(item, "domains"), labels)
        except ValueError as exc:
            raise InputError(f"{where}: outlet #{i + 1}: {exc}") from None
    return builder.outlets()


def _field_list(item: dict, key: str) -> list[str]:
    try:
        return _split(item.get(key))
    except ValueError as exc:
        raise ValueError(f"{key} {exc}") from None


def read_outlets(path: str | os.PathLike[str]) -> list[Outlet]:
    """The outlets of a CSV or JSON file (by its extension; else JSON when it starts with ``[`` or ``{``)."""
    p = Path(path)
    where = printable(str(p))
    try:
        size = p.stat().st_size
        if not p.is_file():
            raise InputError(f"{where}: not a file")
        if size > MAX_FILE_BYTES:
            raise InputError(f"{where}: an outlets file of {size:,} bytes is larger than {MAX_FILE_BYTES:,}")
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{where}: no such outlets file") from None
    except OSError as exc:
        raise InputError(f"{where}: cannot read the outlets file ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{where}: the outlets file is not UTF-8 text") from None
    if "\x00" in text:
        raise InputError(f"{where}: the outlets file is binary, not CSV or JSON")
    suffix = p.suffix.lower()
    as_json = suffix == ".json" or (suffix != ".csv" and text.lstrip()[:1] in ("[", "{"))
    outlets = _read_json(text, where) if as_json else _read_csv(text, where)
    if not outlets:
        raise InputError(f"{where}: the outlets file lists no outlet")
    return outlets


@functools.lru_cache(maxsize=8)
def _cached(path: str, mtime_ns: int, size: int) -> OutletIndex:
    return OutletIndex(read_outlets(path), path)


def load_outlets(path: str | os.PathLike[str]) -> OutletIndex:
    """The :class:`OutletIndex` of a file, read once per version of the file (InputError when it cannot be
    used)."""
    p = Path(path).expanduser()
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputError(f"{printable(str(p))}: no such outlets file") from None
    except OSError as exc:
        raise InputError(f"{printable(str(p))}: cannot read the outlets file ({exc.strerror or exc})") from None
    return _cached(str(p.resolve()), st.st_mtime_ns, st.st_size)


def default_outlets_path(given: str | os.PathLike[str] | None = None) -> str | None:
    """``given``, else $NARRASCOPE_OUTLETS, else None (no outlet knowledge)."""
    if given:
        return str(given)
    return os.environ.get(ENV_VAR) or None
