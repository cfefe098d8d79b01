"""Bytes to text: BOMs, UTF-16/32, UTF-8, the Russian single-byte code pages, then charset-normalizer.

Nothing is normalised: the returned string is exactly what the bytes encode (a BOM,
being an encoding marker rather than content, is the one thing not kept), because
every offset the analyzers produce indexes this string.

Order of evidence: a BOM; NUL bytes (UTF-16/32, else binary); strict UTF-8; a charset the
input declares; UTF-8 with a few damaged bytes; the Russian/Ukrainian single-byte code pages
(scored in ``cyrillic.py``, because charset-normalizer confuses cp1251, KOI8-R, cp866 and
mac-cyrillic on short text); charset-normalizer for everything else (GB18030, Big5, Latin-1...).
"""

from __future__ import annotations

import codecs
import math
import unicodedata
from collections import Counter

from ..errors import InputError
from .cyrillic import CODECS as CYRILLIC_CODECS
from .cyrillic import best_cyrillic

__all__ = ["CYRILLIC_CODECS", "DAMAGED_UTF8", "best_cyrillic", "check_magic", "decode", "detect_encoding"]

# Known binary formats, checked before anything else so a PDF or a PNG gets a clear message.
# Signatures are long enough (or hold bytes text never has) that an article cannot start with one.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"%PDF-1.", "a PDF document"),
    (b"%PDF-2.", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or DOCX/XLSX/EPUB)"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\x7fELF", "an ELF executable"),
    (b"\x1f\x8b\x08", "a gzip archive"),
    *((b"BZh%d1AY&SY" % level, "a bzip2 archive") for level in range(1, 10)),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd archive"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x00asm", "a WebAssembly module"),
    (b"\xca\xfe\xba\xbe", "a Java class or Mach-O binary"),
    (b"\xcf\xfa\xed\xfe", "a Mach-O binary"),
    (b"MZ\x90\x00", "a Windows executable"),
    (b"OggS\x00", "an Ogg media file"),
    (b"ID3\x02", "an MP3 file"),
    (b"ID3\x03", "an MP3 file"),
    (b"ID3\x04", "an MP3 file"),
    (b"fLaC\x00", "a FLAC audio file"),
    (b"\x1aE\xdf\xa3", "a Matroska/WebM video"),
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM begins with the UTF-16 LE one.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Bytes that do not occur in text: C0 controls except tab, LF, VT, FF, CR and ESC, plus DEL.
_CONTROL_BYTES = frozenset(set(range(0x00, 0x09)) | {0x0E, 0x0F} | set(range(0x10, 0x1B)) | {0x1C, 0x1D, 0x1E, 0x1F, 0x7F})

_SAMPLE_BYTES = 16 * 1024  # enough text for the statistics
_LATIN_FAMILY = frozenset(
    codecs.lookup(c).name
    for c in ("cp1250", "cp1257", "latin_1", "iso8859_2", "iso8859_4", "iso8859_10", "iso8859_13", "iso8859_15", "mac_roman")
)
_MULTIBYTE = frozenset(
    codecs.lookup(c).name
    for c in ("gb18030", "gbk", "gb2312", "big5", "big5hkscs", "cp950", "shift_jis", "cp932", "euc_jp", "euc_jis_2004",
              "euc_kr", "cp949", "johab", "iso2022_jp", "hz")
)
_CYRILLIC_FAMILY = frozenset(codecs.lookup(c).name for c in CYRILLIC_CODECS + ("iso8859-5", "cp855", "koi8-t"))

# WHATWG: browsers read these labels as windows-1252 / the listed codec.
_HTML_LABELS = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "x-mac-cyrillic": "mac-cyrillic",
    "x-cp1251": "cp1251",
    "gb2312": "gb18030",
    "gbk": "gb18030",
}

# Among charset-normalizer's equally good answers, the more widely used code page wins:
# on short input it ranks EBCDIC or Urdu code pages level with windows-1252.
_PREFERRED = (
    "cp1252", "gb18030", "big5", "cp932", "shift_jis", "euc_jp", "euc_kr", "cp949",
    "cp1250", "cp1253", "cp1254", "cp1257", "cp1255", "cp1256", "iso8859_15", "iso8859_2",
    "iso8859_7", "iso8859_9", "iso8859_13", "latin_1",
)

# UTF-8 with a few invalid bytes (a file cut mid-character, one bad byte in a scraped
# page): decoded with U+FFFD for those bytes rather than guessed as some other code page.
DAMAGED_UTF8 = "utf-8 (invalid bytes replaced)"


def check_magic(data: bytes, name: str) -> None:
    """Raise InputError when ``data`` starts with the signature of a known binary format."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(f"{name}: this is {what}, not text")


def _bom(data: bytes) -> str | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    return None


def _control_share(data: bytes) -> float:
    if not data:
        return 0.0
    counts = Counter(data)
    return sum(counts[b] for b in _CONTROL_BYTES) / len(data)


def _entropy(data: bytes) -> float:
    if not data:
        return 0.0
    n = len(data)
    return -sum(c / n * math.log(c / n) for c in Counter(data).values())


def _one_block(data: bytes, codec: str) -> bool:
    """Whether the high bytes of UTF-16 units take a handful of values (one script block)."""
    if not codec.startswith("utf-16"):
        return False
    n = len(data) - len(data) % 2
    high = data[1:n:2] if codec.endswith("le") else data[0:n:2]
    top = sum(count for _, count in Counter(high).most_common(3))
    return bool(high) and top >= 0.9 * len(high)


def _cjk_share(text: str) -> float:
    """Share of CJK ideographs, kana, Hangul, CJK punctuation and full-width forms."""
    if not text:
        return 0.0
    cjk = sum(
        1
        for ch in text
        if "\u3000" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7a3" or "\uff00" <= ch <= "\uffef"
    )
    return cjk / len(text)


def _implausible_share(text: str) -> float:
    """Share of characters real text does not contain: controls, private use, unassigned."""
    if not text:
        return 1.0
    bad = 0
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Co", "Cn", "Cs") or (cat == "Cc" and ch not in "\t\n\v\f\r\x1b"):
            bad += 1
    return bad / len(text)


def _try_decode(data: bytes, codec: str, *, partial: bool) -> str | None:
    """Strict decode; with ``partial`` a sequence cut off at the end of a sample is allowed."""
    try:
        if partial:
            return codecs.getincrementaldecoder(codec)("strict").decode(data, final=False)
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _guess_utf16_32(data: bytes, *, partial: bool) -> str | None:
    """BOM-less UTF-32/UTF-16: the byte order is where the low-entropy (high) bytes sit,
    and the decoding must look like text (no controls, private use or unassigned code points)."""
    candidates: list[str] = []
    if len(data) >= 4 and data.count(0) > len(data) // 2:
        n = len(data) - len(data) % 4
        le = data[2:n:4] + data[3:n:4]
        be = data[0:n:4] + data[1:n:4]
        candidates += ["utf-32-le", "utf-32-be"] if le.count(0) >= be.count(0) else ["utf-32-be", "utf-32-le"]
    n = len(data) - len(data) % 2
    if n >= 2:
        odd, even = data[1:n:2], data[0:n:2]
        candidates += ["utf-16-le", "utf-16-be"] if _entropy(odd) <= _entropy(even) else ["utf-16-be", "utf-16-le"]
    for codec in candidates:
        unit = 4 if codec.startswith("utf-32") else 2
        if len(data) % unit and not partial:
            continue
        chunk = data[: len(data) - len(data) % unit]
        text = _try_decode(chunk, codec, partial=partial)
        if text and text.strip() and _implausible_share(text) <= 0.02:
            return codec
    return None


def _mostly_utf8(data: bytes) -> bool:
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    if bad <= 0:
        return False
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F) - text.count("\ufffd")
    return multibyte >= 50 * bad


def _charset_normalizer(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes

        # UTF-16/32 are recognised above by their NUL pattern; here they are false positives.
        matches = [m for m in from_bytes(data) if not m.encoding.startswith(("utf_16", "utf_32"))]
    except Exception:  # a detector bug must not become a traceback for the user
        return None
    if not matches:
        return None
    top = matches[0]
    ties = [m.encoding for m in matches if (m.chaos, m.coherence) == (top.chaos, top.coherence)]
    rank = {codec: i for i, codec in enumerate(_PREFERRED)}
    return min(ties, key=lambda codec: rank.get(codec, len(rank)))


def _same_text(data: bytes, codec: str, other: str) -> bool:
    try:
        return data.decode(codec) == data.decode(other)
    except UnicodeDecodeError:
        return False


def _multibyte_reading(data: bytes, codec: str) -> bool:
    """Whether ``codec`` is a CJK encoding that reads ``data`` as real double-byte characters
    (not, say, cp1251 capitals read as Shift-JIS half-width katakana, one byte each)."""
    if codec not in _MULTIBYTE:
        return False
    try:
        text = data.decode(codec, "replace")
    except LookupError:
        return False
    if len(text) >= len(data) * 0.75:
        return False
    # Real CJK text does not mix its ideographs or syllables with Cyrillic or Greek letters
    # inside words; a reading that does ("풴 퐖ж") is single-byte Cyrillic misread.
    return not any("\u0370" <= ch <= "\u04ff" for ch in text)


def _canonical(codec: str) -> str:
    try:
        return codecs.lookup(codec).name
    except LookupError:
        return codec


def _stray_nuls(data: bytes, *, partial: bool) -> bool:
    """A few NUL bytes in what is otherwise UTF-8 text (a NUL in one CSV field), not UTF-16/32
    (whose NULs are a large share of the bytes, or whose other bytes are not UTF-8) nor binary."""
    nuls = data.count(0)
    if len(data) < 16 or nuls * 8 > len(data):  # UTF-16 of ASCII is half NULs, of Cyrillic 0x04 bytes
        return False
    rest = data.replace(b"\x00", b"")
    return _try_decode(rest, "utf-8", partial=partial) is not None and _control_share(rest) <= 0.01


def detect_encoding(
    data: bytes, name: str, *, hint: str | None = None, partial: bool = False, stray_nuls: bool = True
) -> str:
    """The codec to decode ``data`` with, or InputError for binary or undecodable input.

    ``partial`` means ``data`` is the first part of a longer stream, so a multi-byte
    sequence cut at its end is not an error. ``hint`` is a declared charset (HTML meta,
    HTTP header): used when the bytes are not valid UTF-8 but decode with it. ``stray_nuls``:
    UTF-8 with a few NULs is UTF-8 (not UTF-16, not binary), for readers that remove NULs record
    by record (CSV, JSONL: one NUL in one field must not lose the file); ``decode`` of a whole
    article says False, so such a file is refused as binary there.
    """
    check_magic(data, name)
    bom = _bom(data)
    if bom:
        unit = {"utf-32": 4, "utf-16": 2}.get(bom, 1)
        chunk = data[: len(data) - len(data) % unit] if partial else data
        if _try_decode(chunk, bom, partial=partial) is None:
            raise InputError(f"{name}: starts with a {bom.upper()} byte-order mark but is not valid {bom.upper()}")
        return bom

    has_nul = b"\x00" in data
    binary = f"{name}: looks like a binary file, not text (it holds NUL or control bytes)"
    if has_nul and _stray_nuls(data, partial=partial):
        if stray_nuls:
            return "utf-8"
        raise InputError(binary)  # not UTF-16 either: read as that, one NUL made a file gibberish
    if has_nul or _control_share(data) > 0.10:
        # NULs in text mean UTF-16/32; anywhere else they mean a binary file. Without NULs,
        # UTF-16 shows as control bytes only for a script in one block (Cyrillic: 0x04).
        wide = _guess_utf16_32(data, partial=partial)
        if wide and (has_nul or _one_block(data, wide)):
            return wide
        raise InputError(binary)

    if _try_decode(data, "utf-8", partial=partial) is not None:
        return "utf-8"
    if hint:
        hint = _canonical(_HTML_LABELS.get(hint.lower(), hint))
        if _try_decode(data, hint, partial=partial) is not None:
            return hint

    if _mostly_utf8(data):
        return DAMAGED_UTF8

    # Statistics need a sample, not the whole file; cut it after a line or word so no
    # multi-byte character is split.
    sample = data[:_SAMPLE_BYTES]
    if len(sample) < len(data) or partial:
        cut = max(sample.rfind(b"\n"), sample.rfind(b" "))
        if cut > 0:
            sample = sample[: cut + 1]
    cyrillic = best_cyrillic(sample)
    if cyrillic and _try_decode(data, cyrillic.codec, partial=partial) is None:
        cyrillic = None  # the sample fitted but a later byte does not
    if cyrillic and cyrillic.convincing:
        return cyrillic.codec
    found = _charset_normalizer(sample)
    if found:
        found = _canonical(found)
        if cyrillic and (found in _CYRILLIC_FAMILY or (cyrillic.plausible and not _multibyte_reading(sample, found))):
            # Same family: trust the letter statistics. A clean Cyrillic reading also beats
            # a Latin or Greek code page, whose reading of the same bytes is mojibake.
            return cyrillic.codec
        if _try_decode(data, found, partial=partial) is not None:
            if found != "cp1252" and found in _LATIN_FAMILY and _same_text(data, found, "cp1252"):
                return "cp1252"  # same characters either way: name the common code page
            return found
    # UTF-16 of pure CJK text may hold no NUL at all; tried last because other
    # multi-byte encodings often decode as plausible UTF-16 too.
    wide = _guess_utf16_32(data, partial=partial)
    if wide and _cjk_share(_try_decode(data[: len(data) // 2 * 2], wide, partial=True) or "") >= 0.95:
        return wide
    raise InputError(f"{name}: cannot tell which text encoding this file uses")


def decode(data: bytes, name: str, *, hint: str | None = None, stray_nuls: bool = False) -> tuple[str, str]:
    """Decode a whole file: (text, encoding name). Raises InputError for binary or undecodable bytes;
    ``stray_nuls``: UTF-8 with a few NULs is decoded (NULs kept) for a caller that removes them."""
    codec = detect_encoding(data, name, hint=hint, stray_nuls=stray_nuls)
    if codec == DAMAGED_UTF8:
        return data.decode("utf-8", "replace"), codec
    try:
        text = data.decode(codec)
    except (UnicodeDecodeError, LookupError):  # detection checked this; keep the promise anyway
        raise InputError(f"{name}: cannot decode the text as {codec}") from None
    return text, _canonical(codec)
