"""Numbers and dates stated in English text, with their offsets: counts ("1,200", "3.5 million", "twenty-five
soldiers"), percentages, fractions ("one-third", "one in three") with the hedge before them ("about",
"nearly", "more than") and the noun counted; and dates ("5 May 2023", "May 2023", "2023"). The consistency
and claims analyzers both read them.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any

# ---- number parsing ---------------------------------------------------------------------------------------
_UNITS_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS_WORDS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
               "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
           "trillion": 1_000_000_000_000, "bn": 1_000_000_000, "mln": 1_000_000, "m": 1_000_000, "k": 1_000}
_DENOMS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fourth": 4,
           "fourths": 4, "fifth": 5, "fifths": 5, "sixth": 6, "sixths": 6, "seventh": 7, "sevenths": 7,
           "eighth": 8, "eighths": 8, "tenth": 10, "tenths": 10}
_NUMERATORS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
               "nine": 9}

_APPROX = r"(?:about|around|roughly|some|approximately|approx\.?|nearly|almost|close\s+to|just\s+(?:under|over|" \
          r"below|above)|an\s+estimated|estimated|more\s+than|over|at\s+least|less\s+than|under|fewer\s+than|" \
          r"at\s+most|up\s+to|upwards\s+of|~|≈|circa|c\.|some\s+)"
_APPROX_RE = re.compile(rf"(?:^|\W)(?P<hedge>{_APPROX})\s*(?:of\s+)?(?:the\s+)?$", re.I)

_WORDNUM = "|".join(sorted(list(_UNITS_WORDS) + list(_TENS_WORDS), key=len, reverse=True))
_SCALE_ALT = "hundred|thousand|million|billion|trillion"
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUM_RE = re.compile(
    rf"""(?<![\w.,/-])(?:
        (?P<pct>(?P<pv>{_DIGITS})\s*(?:%|per\s?cent\b|percent\b))
      | (?P<frac>(?:(?P<fnum>a|an|one|two|three|four|five|six|seven|nine)[\s-]+)?(?P<fden>half|halves|thirds?|quarters?|
                 fourths?|fifths?|sixths?|sevenths?|eighths?|tenths?)\b)
      | (?P<ratio>(?P<rn>one|two|three|four|five|\d)\s+(?:in|out\s+of)\s+(?P<rd>two|three|four|five|six|seven|eight|
                 nine|ten|\d+)\b)
      | (?P<cnt>(?P<cv>{_DIGITS})(?:\s*(?P<cs>{_SCALE_ALT}|bn|mln)\b)?)
      | (?P<wcnt>(?P<wv>(?:{_WORDNUM})(?:[\s-](?:{_WORDNUM}))?)(?:\s+(?P<ws>{_SCALE_ALT})\b)?)\b
    )""",
    re.I | re.X,
)
_YEAR = re.compile(r"^(?:1[5-9]\d\d|20\d\d)$")
_UNIT_NOUN = re.compile(r"\s*(?:\(|of\s+(?:them|those|whom|which)\b)?\s*(?:[a-z][a-z'-]*\s+){0,2}?"
                        r"(?P<unit>[a-z][a-z-]+s|people|police|staff|personnel|military|cattle|children|men|women)\b",
                        re.I)
_NOT_UNIT = {"is", "was", "has", "this", "its", "his", "hers", "as", "us", "yes", "thus", "less", "across", "always",
             "perhaps", "plus", "whereas", "unless", "whereas", "percents", "thirds", "quarters", "halves", "fifths",
             "times", "its", "years", "days", "months", "weeks", "hours", "minutes", "seconds", "decades", "ago"}
_PERCENT_NOUN = re.compile(r"^\s*(?:of\s+(?:the\s+)?|\()", re.I)


@dataclass
class Number:
    """A number stated in the text: ``kind`` is count, percent or fraction; ``value`` a float (a share for
    percent and fraction: 0.356, 1/3); ``hedge`` the approximating word before it, if any; ``unit`` the noun
    counted ("soldiers"), if found; ``precision`` half the last stated digit's place (0.5 for "35")."""

    start: int
    end: int
    text: str
    kind: str
    value: float
    hedge: str = ""
    unit: str = ""
    precision: float = 0.0
    year: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def approximate(self) -> bool:
        return bool(self.hedge)


def _digits_value(s: str) -> tuple[float, float]:
    clean = s.replace(",", "")
    val = float(clean)
    decimals = len(clean.split(".")[1]) if "." in clean else 0
    return val, 0.5 * 10 ** (-decimals)


def words_to_number(words: str) -> float | None:
    """"twenty-five" -> 25, "three" -> 3, "two hundred" -> 200 (simple English number words)."""
    total, current = 0.0, 0.0
    seen = False
    for w in re.split(r"[\s-]+", words.lower().strip()):
        if not w or w == "and":
            continue
        if w in _UNITS_WORDS:
            current += _UNITS_WORDS[w]
        elif w in _TENS_WORDS:
            current += _TENS_WORDS[w]
        elif w in ("hundred",):
            current = (current or 1) * 100
        elif w in _SCALES:
            total += (current or 1) * _SCALES[w]
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def _hedge_before(text: str, start: int) -> str:
    m = _APPROX_RE.search(text[max(0, start - 24):start])
    return " ".join(m.group("hedge").lower().split()).rstrip(".") if m else ""


def parse_numbers(text: str, start: int = 0, end: int | None = None) -> list[Number]:
    """Numbers in ``text[start:end]``: digits (1,200; 3.5 million), number words (three, twenty-five),
    percentages (35 %, 35.6 percent), fractions (one-third, two-thirds, half, a quarter, one in three)."""
    end = len(text) if end is None else end
    out: list[Number] = []
    for m in _NUM_RE.finditer(text, start, end):
        s, e = m.start(), m.end()
        g = m.groupdict()
        if g["pct"]:
            val, prec = _digits_value(g["pv"])
            n = Number(s, e, m.group(0), "percent", val / 100.0, precision=prec / 100.0)
        elif g["frac"]:
            den = _DENOMS[g["fden"].lower()]
            fnum = (g["fnum"] or "").lower()
            if not fnum and g["fden"].lower() not in ("half",):
                continue  # "third" alone is an ordinal ("the third day"), not a share
            if fnum == "a" and g["fden"].lower().endswith("s"):
                continue
            num = _NUMERATORS.get(fnum, 1)
            before = text[max(0, s - 8):s].lower()
            if g["fden"].lower() == "half" and re.search(r"(?:first|second|the|this|last|next)\s*$", before):
                continue  # "the second half", "first half of the year"
            n = Number(s, e, m.group(0), "fraction", num / den)
        elif g["ratio"]:
            rn = words_to_number(g["rn"]) if not g["rn"].isdigit() else float(g["rn"])
            rd = words_to_number(g["rd"]) if not g["rd"].isdigit() else float(g["rd"])
            if not rn or not rd or rn >= rd:
                continue
            n = Number(s, e, m.group(0), "fraction", rn / rd)
        elif g["cnt"]:
            val, prec = _digits_value(g["cv"])
            scale = (g.get("cs") or "").lower()
            if scale:
                val *= _SCALES[scale]
                prec *= _SCALES[scale]
            n = Number(s, e, m.group(0), "count", val, precision=prec)
            if not scale and "," not in g["cv"] and "." not in g["cv"] and _YEAR.match(g["cv"]):
                n.year = True
        else:
            v = words_to_number(g["wv"])
            if v is None:
                continue
            if g.get("ws"):
                v *= _SCALES[g["ws"].lower()]
            if g["wv"].lower() == "one" and not g.get("ws"):
                # "one of the", "one day", "no one": too ambiguous to use as a count
                continue
            n = Number(s, e, m.group(0), "count", v, precision=0.0)
        n.hedge = _hedge_before(text, s)
        if n.kind == "count":
            um = _UNIT_NOUN.match(text, e, min(end, e + 40))
            if um and um.group("unit").lower() not in _NOT_UNIT:
                n.unit = _singular(um.group("unit").lower())
                n.extra["unit_span"] = [um.start("unit"), um.end("unit")]
            if n.year and n.unit:
                n.year = False  # "2000 soldiers"
        out.append(n)
    return out


def _singular(w: str) -> str:
    if w in ("people", "police", "staff", "personnel", "military", "cattle"):
        return "people" if w == "people" else w
    if w == "children":
        return "child"
    if w in ("men", "women"):
        return w[:-2] + "an"
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith("sses") or w.endswith("ches") or w.endswith("shes") or w.endswith("xes"):
        return w[:-2]
    if w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


# ---- date parsing -----------------------------------------------------------------------------------------
_MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_MON = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|" \
       r"Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
_DATE_RE = re.compile(
    rf"""(?<![\w-])(?:
        (?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{_MON})(?:,?\s+(?P<y1>\d{{4}}))?
      | (?P<m2>{_MON})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y2>\d{{4}}))?
      | (?P<y3>\d{{4}})-(?P<m3>\d\d)-(?P<d3>\d\d)
      | (?:in\s+)?(?P<m4>{_MON})\s+(?P<y4>\d{{4}})
      | (?P<y5>(?:1[5-9]|20)\d\d)
    )(?![\w-])""",
    re.X,
)


@dataclass
class DateMention:
    start: int
    end: int
    text: str
    year: int | None
    month: int | None
    day: int | None

    def key(self, default_year: int | None = None) -> tuple | None:
        """Comparable (year, month, day); None when the date is too partial to compare."""
        year = self.year if self.year is not None else default_year
        if self.month is None:
            return (year, 0, 0) if year is not None and self.day is None else None
        return (year if year is not None else 0, self.month, self.day or 0)

    @property
    def granularity(self) -> str:
        return "day" if self.day else ("month" if self.month else "year")


def parse_dates(text: str, start: int = 0, end: int | None = None) -> list[DateMention]:
    """Dates in ``text[start:end]``: "5 May 2023", "May 5, 2023", "5 May", "2023-05-05", "May 2023", "2023"."""
    end = len(text) if end is None else end
    out = []
    for m in _DATE_RE.finditer(text, start, end):
        g = m.groupdict()
        try:
            if g["d1"]:
                y, mo, d = g["y1"], _MONTHS[g["m1"].lower().rstrip(".")], int(g["d1"])
            elif g["m2"]:
                if g["m2"] == "May" and not g["d2"]:
                    continue
                y, mo, d = g["y2"], _MONTHS[g["m2"].lower().rstrip(".")], int(g["d2"])
            elif g["y3"]:
                y, mo, d = g["y3"], int(g["m3"]), int(g["d3"])
            elif g["m4"]:
                y, mo, d = g["y4"], _MONTHS[g["m4"].lower().rstrip(".")], None
            else:
                y, mo, d = g["y5"], None, None
            year = int(y) if y else None
            if d is not None:
                _dt.date(year or 2000, mo, d)  # validates day and month
        except (KeyError, ValueError):
            continue
        s = m.start("m4") if g["m4"] else m.start()
        # "May" is also a verb/name: require a day or a year with it (handled by the pattern), and skip
        # bare 4-digit numbers followed by a noun ("2000 soldiers")
        if g["y5"] and re.match(r"\s+[a-z]", text[m.end():m.end() + 3]) and not re.match(
                r"\s+(?:and|to|until|till|through|when|after|before|on|in|at|the|as|was|were|had|is)\b",
                text[m.end():m.end() + 12]):
            continue
        out.append(DateMention(s, m.end(), text[s:m.end()], year, mo, d))
    return out
