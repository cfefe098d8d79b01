"""Model artifacts: how a trained model is written to a file and read back, as arrays plus JSON, never pickle.

An artifact is a NumPy ``.npz`` archive (a zip of ``.npy`` files). Its entry ``header`` holds UTF-8 JSON::

    {"format": "narrascope.NarrativeClassifier", "version": 2, "narrascope_version": "0.1.0", "state": {...}}

``state`` is the model's own description of itself (:meth:`save` of each model class builds it): JSON values,
where every array is replaced by a reference to another entry of the archive:

* ``{"$array": "a3"}``: a NumPy array (any numeric or boolean dtype; object arrays are refused);
* ``{"$scalar": "a4"}``: a NumPy scalar (kept as its exact type);
* ``{"$csr": ["a5", "a6", "a7"], "shape": [rows, columns]}``: a SciPy CSR matrix (data, indices, indptr);
* ``{"$tuple": [...]}``: a tuple (JSON has only lists).

Reading parses JSON and loads arrays with ``allow_pickle=False``, so a model file from elsewhere cannot run
code. Any file that is not such an archive of the expected ``format`` and ``version`` is refused with a
``ValueError`` naming the path. The same state written twice gives the same bytes (zip entries carry no clock).
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

HEADER = "header"
SUFFIX = ".npz"


def write_artifact(path: str | Path, fmt: str, version: int, state: dict[str, Any]) -> None:
    """Write ``state`` (JSON values, NumPy arrays and scalars, CSR matrices, tuples) as a ``fmt`` artifact
    (its folder is made if missing)."""
    from .. import __version__

    arrays: dict[str, np.ndarray] = {}
    header = {"format": fmt, "version": version, "narrascope_version": __version__, "state": _encode(state, arrays)}
    entries = {HEADER: np.frombuffer(json.dumps(header, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)}
    entries.update(arrays)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # written beside the target and renamed over it: a run stopped mid-write (training updates the shipped
    # encoder artifact in place) never leaves half a model
    tmp = target.with_name(f".{target.name}.writing")
    try:
        with open(tmp, "wb") as fh:  # a file object: numpy would append ".npz" to a name without it
            np.savez_compressed(fh, **entries)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def read_artifact(path: str | Path, fmt: str, versions: Collection[int]) -> tuple[int, dict[str, Any]]:
    """``(version, state)`` of the ``fmt`` artifact at ``path``; ValueError for anything else."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            header = json.loads(bytes(archive[HEADER]).decode("utf-8"))
            if not isinstance(header, dict) or header.get("format") != fmt:
                raise _NotOurs
            version = header.get("version")
            if version not in versions:
                known = " and ".join(str(v) for v in sorted(versions))
                raise ValueError(f"{path}: model format version {version}, this narrascope reads {known}")
            return version, _decode(header.get("state"), archive)
    except (_NotOurs, zipfile.BadZipFile, zlib.error, KeyError, EOFError, UnicodeDecodeError, AttributeError,
            TypeError):
        raise ValueError(f"{path}: not a {fmt} file") from None
    except ValueError as exc:
        if str(exc).startswith(f"{path}: "):
            raise
        raise ValueError(f"{path}: not a {fmt} file") from None  # e.g. a pickle: refused, never loaded
    except OSError as exc:
        raise ValueError(f"{path}: cannot read ({exc.strerror or exc})") from None


def artifact_format(path: str | Path) -> str | None:
    """The ``format`` named in an artifact's header (its arrays are not read); None for anything else."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            header = json.loads(bytes(archive[HEADER]).decode("utf-8"))
        return header.get("format") if isinstance(header, dict) else None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error, UnicodeDecodeError):
        return None


class _NotOurs(Exception):
    """An archive that is not a narrascope model of the expected format."""


def _encode(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    def store(a: np.ndarray) -> str:
        if a.dtype.hasobject:
            raise TypeError("object arrays cannot be saved in a model artifact")
        key = f"a{len(arrays)}"
        arrays[key] = a
        return key

    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.ndarray):
        return {"$array": store(value)}
    if isinstance(value, np.generic):
        return {"$scalar": store(np.asarray(value))}
    if sp.issparse(value):
        m = sp.csr_matrix(value)
        return {"$csr": [store(m.data), store(m.indices), store(m.indptr)], "shape": list(m.shape)}
    if isinstance(value, tuple):
        return {"$tuple": [_encode(v, arrays) for v in value]}
    if isinstance(value, list):
        return [_encode(v, arrays) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) and not k.startswith("$") for k in value):
            raise TypeError("model state keys must be strings not starting with '$'")
        return {k: _encode(v, arrays) for k, v in value.items()}
    raise TypeError(f"cannot save a {type(value).__name__} in a model artifact")


def _decode(value: Any, archive) -> Any:
    if isinstance(value, list):
        return [_decode(v, archive) for v in value]
    if not isinstance(value, dict):
        return value
    if "$array" in value:
        return archive[value["$array"]]
    if "$scalar" in value:
        return archive[value["$scalar"]][()]
    if "$csr" in value:
        data, indices, indptr = (archive[k] for k in value["$csr"])
        return sp.csr_matrix((data, indices, indptr), shape=tuple(value["shape"]))
    if "$tuple" in value:
        return tuple(_decode(v, archive) for v in value["$tuple"])
    return {k: _decode(v, archive) for k, v in value.items()}
