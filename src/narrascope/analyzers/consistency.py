"""Internal consistency: numbers and dates in one article that do not agree with each other.

Four rules, each explained in plain words and citing BOTH pieces of text it compares (offsets into
``doc.text``). Precision comes first: a rule stays silent unless the reading is unambiguous.

``arithmetic`` — a part, its whole and a stated share of it, in one passage (a sentence and the one before
    it): "sent 390 soldiers … one-third (139 people)" or "45 of the 120 substations, almost half". The share
    computed from the counts (139/390 = 35.6 %) is compared with the share stated in words or as a
    percentage. Tolerances (relative to the stated share, after the stated precision is allowed for):

    * plain fraction words ("one-third", "half", "a quarter", "two-thirds") are round figures by nature:
      ±10 % relative (a third: 30.0–36.7 %; so 139 of 390 = 35.6 % *is* "one-third", and the check is
      recorded as consistent);
    * hedged fraction words ("about", "roughly", "around", "some", "approximately", "nearly", "almost",
      "close to", "just under/over"): ±20 % relative; "nearly/almost/just under" also require the true
      share not to exceed the stated one by more than 2 %; "more than / over / at least" and "less than /
      under / at most" are one-sided bounds;
    * digit percentages ("35 %", "35.6 percent"): the rounding of the stated figure (±0.5 for "35", ±0.05
      for "35.6") plus 0.5 percentage points; hedged: ±2 points or ±10 % relative, whichever is larger.

``total`` — a stated total whose listed parts do not add up: "a total of 120 …: 50 …, 40 … and 20 …".
    Exhaustive wording ("of whom", "of which", "divided into", "made up of", "consisting of", "a total of …:")
    requires the parts to equal the total (up to the rounding of hedged figures); "including" only requires
    that they do not exceed it.

``contradiction`` — the same quantity stated twice with different numbers: same unit noun, same verb or
    "of the" construction right before the number, at least two shared content words in the subject, and
    no different year or time words ("now", "then", "last year", "another", "more", "new") that would
    make two figures legitimately differ. Hedged figures never contradict each other within ±10 %.

``date_order`` — dates in the wrong order: a range whose end precedes its start ("from 2023 to 2021",
    "between 5 May and 2 May"), or a sequence word ("then", "later", "afterwards", "the next day") leading
    to a date earlier than the one stated just before it in the same paragraph.

Output: ``groups["consistency"]``, one group per check with ``kind`` = the rule, ``label`` = "inconsistent"
or "consistent", ``attrs``: ``verdict``, ``explanation`` (plain English), ``cited`` ([{role, start, end,
text}] — both pieces of text), ``expected``/``stated`` values and ``tolerance``. Every cited piece is also a
span in layer ``consistency`` (label = the rule, ``attrs.role``, ``attrs.group``, ``attrs.verdict``).
Consistent checks are kept (verdict "consistent", score 0) so a reader can see what was checked; reports
should present only ``verdict == "inconsistent"`` as findings.

Bounded work: the rules read the analysed prose's sentences (bounded units of
:func:`narrascope.text.analysis_text`); the pairwise rules read at most ``MAX_NUMBERS`` numbers or dates per
sentence, and the contradiction rule compares statements only within a (unit, verb, years) bucket of at
most ``MAX_BUCKET``: linear in the text, times those constants.
"""

from __future__ import annotations

import re

from ..model import Document, Group
from ..pipeline import register_analyzer
from ..text import analysis_text
from .base import Analyzer
from .prose import prose, prose_sentences
from .quantities import Number, parse_dates, parse_numbers

LAYER = "consistency"
# Bounded work (see check_text and _contradictions): numbers or dates read per sentence (the most in 2,090
# SemEval articles: 23 numbers, 5 dates), and same-quantity statements compared with each other per bucket.
MAX_NUMBERS = 50
MAX_BUCKET = 200

# ---- helpers ----------------------------------------------------------------------------------------------
_STOP = set("""a an the of in on at to for from by with and or but is are was were be been being has have had
this that these those it its their his her they he she we our you your as than then so such which who whom
whose what when where there here not no also only just about around some more most less over under into out
up down per each every all any both either neither one two three four five six seven eight nine ten""".split())
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'-]+")


_REPORTING = {"said", "says", "say", "according", "reported", "reports", "told", "claimed", "claims", "stated",
              "announced", "added", "noted", "wrote", "officials", "official", "spokesman", "spokeswoman"}


def _content_words(s: str) -> set[str]:
    return {w.lower().strip("'-") for w in _WORD_RE.findall(s)
            if w.lower() not in _STOP and w.lower() not in _REPORTING and len(w) > 2}


def _pct(x: float) -> str:
    v = 100 * x
    return f"{v:.1f} %" if abs(v - round(v)) > 0.05 else f"{round(v)} %"


def share_tolerance(stated: Number) -> tuple[float, float, str]:
    """The interval [lo, hi] of true shares consistent with a stated share, and its description."""
    f = stated.value
    hedge = stated.hedge
    lower_bound = hedge in ("more than", "over", "at least", "upwards of", "just over", "just above")
    upper_bound = hedge in ("less than", "under", "fewer than", "at most", "up to", "just under", "just below")
    below = hedge in ("nearly", "almost", "close to", "just under", "just below")
    if stated.kind == "percent":
        rounding = stated.precision
        if hedge:
            width = max(0.02, 0.10 * f)
            desc = "hedged percentage: ±2 points or ±10 % of it, whichever is larger"
        else:
            width = rounding + 0.005
            desc = f"exact percentage: its rounding (±{100 * rounding:g} points) plus 0.5 points"
    else:
        width = (0.20 if hedge else 0.10) * f
        desc = ("hedged fraction: ±20 % of it" if hedge else "fraction word (a round figure): ±10 % of it")
    lo, hi = f - width, f + width
    if lower_bound:
        lo, hi, desc = f - (stated.precision + 0.005 if stated.kind == "percent" else 0.02 * f), 1.0, \
            f"'{hedge}': at least the stated share"
    elif upper_bound and not below:
        lo, hi, desc = 0.0, f + (stated.precision + 0.005 if stated.kind == "percent" else 0.02 * f), \
            f"'{hedge}': at most the stated share"
    elif below:
        hi = f + 0.02 * f + (stated.precision if stated.kind == "percent" else 0.0)
        desc += f"; '{hedge}' also means not above it"
    return max(0.0, lo), min(1.0, hi), desc


# ---- the analyzer -----------------------------------------------------------------------------------------
_EXHAUSTIVE = re.compile(r"\b(?:of\s+whom|of\s+which|of\s+these|of\s+them|divided\s+(?:into|between|among)|split\s+"
                         r"(?:into|between|among)|made\s+up\s+of|consisting\s+of|comprising|broken\s+down\s+(?:as|into))"
                         r"\b|:", re.I)
_INCLUDING = re.compile(r"\b(?:including|among\s+them|among\s+whom)\b", re.I)
_TOTAL_CUE = re.compile(r"\b(?:a\s+total\s+of|total(?:ling|ing)?\s+of|in\s+total|altogether|in\s+all|overall|"
                        r"total)\b", re.I)
_CHANGE_CUE = re.compile(r"\b(?:another|more|additional|further|extra|new|now|currently|today|then|previously|"
                         r"earlier|initially|originally|later|last\s+year|this\s+year|next\s+year|once|before|after|"
                         r"increase[ds]?|decrease[ds]?|rose|fell|grew|dropped|up\s+from|down\s+from|instead|per|each|"
                         r"every|a\s+year|a\s+month|a\s+day|annually|only|at\s+least|up\s+to|planned|plans|will|would|"
                         r"could|might|expected|target|goal|than|compared)\b", re.I)
_SEQUENCE = re.compile(r"\b(?:then|later|afterwards|afterward|subsequently|after\s+that|the\s+next\s+day|the\s+"
                       r"following\s+(?:day|week|month)|a\s+(?:day|week|month|year)\s+later|\w+\s+(?:days|weeks|"
                       r"months)\s+later|next)\b", re.I)
_RANGE = re.compile(r"\b(?P<kw>from|between)\s+(?P<a>[^.;!?]{1,30}?)\s+(?:to|until|till|through|and)\s+"
                    r"(?P<b>[^.;!?]{1,30}?)(?=[\s,.;:!?)]|$)", re.I)
_PART_LINK = re.compile(r"^\s*(?:\(|,\s*(?:or|i\.e\.|that\s+is|which\s+is|about|some|nearly|almost|roughly)?\s*|"
                        r"\s*[-—–]\s*|\s+or\s+)", re.I)
_OF_THE = re.compile(r"^\s*(?:out\s+)?of\s+(?:the\s+|all\s+|its\s+|their\s+|his\s+|her\s+|our\s+|[A-Z][\w'’]*['’]s\s+)?"
                     r"(?:[a-z'-]+\s+){0,2}?$", re.I)


class ConsistencyAnalyzer(Analyzer):
    name = "consistency"
    requires = ("structure",)
    produces = (LAYER,)
    version = "1"

    def __init__(self, rules: tuple[str, ...] = ("arithmetic", "total", "contradiction", "date_order"),
                 keep_consistent: bool = True) -> None:
        self.rules = tuple(rules)
        self.keep_consistent = keep_consistent
        self.options = {"rules": list(rules), "keep_consistent": keep_consistent}

    def __call__(self, doc: Document) -> Document:
        doc.layers[LAYER] = []
        doc.groups[LAYER] = []
        _, ranges = prose(doc)
        sents = prose_sentences(doc, ranges)
        findings = check_text(analysis_text(doc.text), sents, ranges, self.rules)
        n = 0
        for f in findings:
            if f["verdict"] != "inconsistent" and not self.keep_consistent:
                continue
            n += 1
            gid = f"C{n}"
            span_ids = []
            for c in f["cited"]:
                sp = doc.add_span(LAYER, c["start"], c["end"], f["rule"],
                                  score=1.0 if f["verdict"] == "inconsistent" else 0.0, source=self.name,
                                  attrs={"role": c["role"], "group": gid, "verdict": f["verdict"]})
                span_ids.append(sp.id)
            attrs = {k: v for k, v in f.items() if k not in ("rule",)}
            doc.add_group(LAYER, Group(gid, f["verdict"], f["rule"], span_ids,
                                       score=1.0 if f["verdict"] == "inconsistent" else 0.0, source=self.name,
                                       attrs=attrs))
        doc.sort_layers()
        return doc


def _paragraph_of(pos: int, ranges: list[tuple[int, int]]) -> int:
    for i, (a, b) in enumerate(ranges):
        if a <= pos < b:
            return i
    return -1


def _cite(role: str, text: str, start: int, end: int) -> dict:
    return {"role": role, "start": start, "end": end, "text": text[start:end]}


def check_text(text: str, sents: list[tuple[int, int]], ranges: list[tuple[int, int]] | None = None,
               rules: tuple[str, ...] = ("arithmetic", "total", "contradiction", "date_order")) -> list[dict]:
    """Run the rules over ``text`` split into sentence offsets ``sents`` (paragraph ``ranges`` optional)."""
    ranges = ranges or [(0, len(text))]
    sents = sorted(sents)
    # the pairwise rules are quadratic (or cubic) in the numbers of a sentence: a "sentence" with more than
    # MAX_NUMBERS is a table or a dump, and only its first MAX_NUMBERS are read
    nums = [parse_numbers(text, a, b)[:MAX_NUMBERS] for a, b in sents]
    out: list[dict] = []
    if "arithmetic" in rules:
        out += _arithmetic(text, sents, nums, ranges)
    if "total" in rules:
        out += _totals(text, sents, nums)
    if "contradiction" in rules:
        out += _contradictions(text, sents, nums)
    if "date_order" in rules:
        out += _date_order(text, sents, ranges)
    out.sort(key=lambda f: min(c["start"] for c in f["cited"]))
    return out


# -- rule (a): part / whole / stated share ---------------------------------------------------------------------
def _arithmetic(text, sents, nums, ranges) -> list[dict]:
    out = []
    used: set[tuple[int, int]] = set()
    for i, (a, b) in enumerate(sents):
        for share in [n for n in nums[i] if n.kind in ("percent", "fraction")]:
            if (share.start, share.end) in used:
                continue
            part, whole = _part_and_whole(text, sents, nums, i, share, ranges)
            if part is None or whole is None or whole.value <= 0 or part.value > whole.value:
                continue
            used.add((share.start, share.end))
            actual = part.value / whole.value
            lo, hi, desc = share_tolerance(share)
            ok = lo - 1e-9 <= actual <= hi + 1e-9
            verdict = "consistent" if ok else "inconsistent"
            pt, wt, st = text[part.start:part.end], text[whole.start:whole.end], text[share.start:share.end]
            stated_words = f"{share.hedge} {st}".strip() if share.hedge and share.hedge not in st.lower() else st
            expl = (f"{pt} of {wt} is {_pct(actual)}; the text calls it \u201c{stated_words}\u201d "
                    f"({_pct(share.value)}). ")
            expl += (f"That is within the tolerance ({desc})." if ok else
                     f"That is outside the tolerance ({desc}: {_pct(lo)}\u2013{_pct(hi)}).")
            out.append({"rule": "arithmetic", "verdict": verdict, "explanation": expl,
                        "computed": round(actual, 4), "stated": round(share.value, 4), "hedge": share.hedge,
                        "tolerance": [round(lo, 4), round(hi, 4)], "tolerance_rule": desc,
                        "cited": [_cite("part", text, part.start, part.end), _cite("whole", text, whole.start, whole.end),
                                  _cite("stated_share", text, share.start, share.end)]})
    return out


def _unquote(s: str) -> str:
    return re.sub(r"[\"“”‘’«»]", "", s)


def _part_and_whole(text, sents, nums, i, share, ranges):
    """The count the share describes (its part) and the count it is a share of (its whole)."""
    a, b = sents[i]
    counts = [n for n in nums[i] if n.kind == "count" and not n.year]
    # first: "45 of the 120 substations, which is almost half" (part "of" whole, then the share)
    for j, n in enumerate(counts):
        if n.end > share.start:
            break
        for w in counts[j + 1:]:
            if w.end > share.start:
                break
            if _OF_THE.match(text[n.end:w.start]) and re.match(
                    r"^[^.;]{0,40}?(?:,\s*|\(\s*|[-—–]\s*)(?:which\s+is\s+|that\s+is\s+|or\s+|i\.e\.\s+)?"
                    r"(?:about\s+|some\s+|nearly\s+|almost\s+|roughly\s+|around\s+|just\s+(?:over|under)\s+|"
                    r"more\s+than\s+|less\s+than\s+|over\s+|under\s+)?$", _unquote(text[w.end:share.start]), re.I):
                if not (n.approximate and w.approximate):
                    return n, w
    part = None
    # "one-third (139 people)", "139 people, or one-third", "one-third, or 139", "139 (36 %)"
    for n in counts:
        if n.start >= share.end:
            gap = text[share.end:n.start]
            if len(gap) <= 12 and _PART_LINK.match(gap) and not re.search(r"\bof\b", gap):
                part = n
                break
        elif n.end <= share.start:
            gap = text[n.end:share.start]
            unit_span = n.extra.get("unit_span")
            if unit_span and unit_span[1] <= share.start:
                gap = text[unit_span[1]:share.start]
            gap = _unquote(gap)
            if len(gap) <= 14 and re.match(r"^\s*(?:\(|,\s*(?:or|i\.e\.|that\s+is|which\s+is)?|\s*[-—–]|\s+or)"
                                           r"\s*[\"“‘']?(?:about|some|nearly|almost|roughly|around|just\s+(?:over|under))?\s*[\"“‘']?$",
                                           gap, re.I):
                part = n
    whole = None
    if part is not None:
        # "139 of the 390" / "45 of the country's 120 substations"
        for n in counts:
            if n.start > part.end and n is not part:
                gap = text[(part.extra.get("unit_span") or [part.end, part.end])[1] if part.extra.get("unit_span")
                           and part.extra["unit_span"][1] <= n.start else part.end:n.start]
                if _OF_THE.match(gap):
                    whole = n
                    break
        if whole is None:
            # the nearest earlier count larger than the part, in this sentence or the one before (same paragraph)
            cands = [n for n in counts if n.end <= min(part.start, share.start) and n.value > part.value]
            if i > 0 and _paragraph_of(sents[i - 1][0], ranges) == _paragraph_of(a, ranges):
                cands = [n for n in nums[i - 1] if n.kind == "count" and not n.year and n.value > part.value] + cands
            if part.unit:
                same = [n for n in cands if n.unit == part.unit]
                cands = same or [n for n in cands if not n.unit or part.unit == "people"]
            if cands:
                whole = cands[-1]
    if part is not None and whole is not None and part.approximate and whole.approximate:
        return None, None
    return part, whole


# -- rule (b): totals ----------------------------------------------------------------------------------------------
def _totals(text, sents, nums) -> list[dict]:
    out = []
    for i, (a, b) in enumerate(sents):
        counts = [n for n in nums[i] if n.kind == "count" and not n.year]
        if len(counts) < 3:
            continue
        for k, total in enumerate(counts[:-2]):
            before = text[max(a, total.start - 20):total.start]
            after = text[total.end:min(b, total.end + 60)]
            has_total_cue = bool(_TOTAL_CUE.search(before) or re.match(r"^\s*(?:[a-z-]+\s+){0,2}(?:in\s+total|"
                                                                      r"altogether|in\s+all)", after, re.I))
            rest = counts[k + 1:]
            # the list of parts must follow right after the total's clause, introduced by a cue
            head_end = total.extra.get("unit_span", [total.end, total.end])[1]
            link = text[head_end:rest[0].start]
            exhaustive = bool(_EXHAUSTIVE.search(link)) and len(link) <= 40
            including = bool(_INCLUDING.search(link)) and len(link) <= 40
            if not (exhaustive or including):
                continue
            if not has_total_cue and not exhaustive:
                continue
            parts = [rest[0]]
            for n in rest[1:]:
                gap = text[(parts[-1].extra.get("unit_span") or [parts[-1].end, parts[-1].end])[1]
                           if parts[-1].extra.get("unit_span") and parts[-1].extra["unit_span"][1] <= n.start
                           else parts[-1].end:n.start]
                if re.match(r"^[^.;:0-9]{0,40}$", gap) and re.search(r"(?:,|\band\b|\bor\b)", gap) and \
                        not re.search(r"\b(?:of|per|each|out)\b", gap):
                    parts.append(n)
                else:
                    break
            if len(parts) < 2 or any(p.value > total.value for p in parts):
                continue
            if any(p.kind != "count" for p in parts):
                continue
            s = sum(p.value for p in parts)
            slack = sum(p.precision for p in parts) + total.precision
            hedged = total.approximate or any(p.approximate for p in parts)
            if hedged:
                slack += 0.10 * total.value
            if exhaustive:
                ok = abs(s - total.value) <= slack + 1e-9
                rule = "the parts should add up to the total"
            else:
                ok = s <= total.value + slack + 1e-9
                rule = "parts listed with \u201cincluding\u201d should not exceed the total"
            pstr = " + ".join(text[p.start:p.end] for p in parts)
            expl = f"{pstr} = {_fmt(s)}, but the stated total is {text[total.start:total.end]}"
            expl += f" ({rule})." if not ok else f"; consistent ({rule})."
            if ok:
                expl = f"{pstr} = {_fmt(s)}, consistent with the stated total {text[total.start:total.end]} ({rule})."
            out.append({"rule": "total", "verdict": "consistent" if ok else "inconsistent", "explanation": expl,
                        "computed": s, "stated": total.value, "exhaustive": exhaustive,
                        "tolerance": round(slack, 4),
                        "cited": [_cite("total", text, total.start, total.end),
                                  _cite("parts", text, parts[0].start, parts[-1].end)]})
            break
    return out


def _fmt(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,.2f}"


# -- rule (c): contradictory numbers ------------------------------------------------------------------------------
_LEAD = re.compile(r"([A-Za-z][A-Za-z'-]*)\s+(?:(?:a\s+total\s+of|only|just|about|around|roughly|some|nearly|almost|"
                   r"over|more\s+than|less\s+than)\s+)?$", re.I)


def _contradictions(text, sents, nums) -> list[dict]:
    """Pairs of items are only ever compared within one (unit, verb, years) bucket, since the rule needs all
    three equal; a bucket holds at most MAX_BUCKET items (a real article has a handful), so the pass is
    linear in the items however many of them a long document repeats."""
    items = []
    for i, (a, b) in enumerate(sents):
        sent = text[a:b]
        years = {n.value for n in nums[i] if n.year}
        if _CHANGE_CUE.search(sent):
            continue
        for n in nums[i]:
            if n.kind != "count" or n.year or not n.unit or n.value < 2:
                continue
            lead = _LEAD.search(text[max(a, n.start - 40):n.start])
            if not lead:
                continue
            verb = lead.group(1).lower()
            if verb in _STOP and verb not in ("of",):
                continue
            subject = _content_words(text[a:n.start]) - {verb}
            items.append((n, verb, subject, frozenset(years), i))
    buckets: dict[tuple, list[int]] = {}
    for x, (n, verb, _, years, _) in enumerate(items):
        members = buckets.setdefault((n.unit, verb, years), [])
        if len(members) < MAX_BUCKET:
            members.append(x)
    pairs = sorted((x, y) for members in buckets.values() for k, x in enumerate(members) for y in members[k + 1:])
    out = []
    seen: set[tuple] = set()
    for x, y in pairs:
        n1, v1, s1, y1, i1 = items[x]
        n2, v2, s2, y2, i2 = items[y]
        if i1 == i2 or n1.unit != n2.unit or v1 != v2 or y1 != y2:
            continue
        if len(s1 & s2) < 2:
            continue
        if n1.value == n2.value:
            continue
        hi, lo = max(n1.value, n2.value), min(n1.value, n2.value)
        slack = n1.precision + n2.precision
        if n1.approximate or n2.approximate:
            slack += 0.10 * hi
        if hi - lo <= slack:
            continue
        key = (n1.start, n2.start)
        if key in seen:
            continue
        seen.add(key)
        t1, t2 = text[n1.start:n1.end], text[n2.start:n2.end]
        unit = n1.unit
        out.append({"rule": "contradiction", "verdict": "inconsistent",
                    "explanation": (f"The same quantity ({v1} \u2026 {unit}, said of "
                                    f"{', '.join(sorted(s1 & s2)[:3])}) is given as {t1} in one place and "
                                    f"{t2} in another."),
                    "values": [n1.value, n2.value], "unit": unit, "tolerance": round(slack, 4),
                    "cited": [_cite("first", text, n1.start, n1.end), _cite("second", text, n2.start, n2.end)]})
    return out


# -- rule (d): dates in the wrong order ---------------------------------------------------------------------------
def _date_order(text, sents, ranges) -> list[dict]:
    out = []
    dates_by_sent = [parse_dates(text, a, b)[:MAX_NUMBERS] for a, b in sents]
    # ranges: "from X to Y", "between X and Y"
    for i, (a, b) in enumerate(sents):
        for m in _RANGE.finditer(text, a, b):
            da = parse_dates(text, m.start("a"), m.end("a"))
            db = [d for d in parse_dates(text, m.start("b"), min(b, m.start("b") + 40)) if d.start == m.start("b")]
            if len(da) != 1 or len(db) != 1:
                continue
            d1, d2 = da[0], db[0]
            if d1.end - d1.start < (m.end("a") - m.start("a")) - 4:
                continue  # the range is not just two dates
            y = d2.year if d1.year is None else d1.year
            k1, k2 = d1.key(d2.year), d2.key(y)
            if k1 is None or k2 is None or d1.granularity != d2.granularity:
                continue
            if k2 < k1:
                out.append({"rule": "date_order", "verdict": "inconsistent",
                            "explanation": (f"The range \u201c{m.group('kw')} {d1.text} \u2026 {d2.text}\u201d ends "
                                            f"before it starts."),
                            "cited": [_cite("start_date", text, d1.start, d1.end),
                                      _cite("end_date", text, d2.start, d2.end)]})
    # sequences: "on 5 May … Then, on 2 May …"
    for i in range(len(sents)):
        for d2 in dates_by_sent[i]:
            a = sents[i][0]
            before = text[max(a, d2.start - 40):d2.start]
            if not _SEQUENCE.search(before) or d2.granularity != "day":
                continue
            # the previous date of day granularity, in this sentence before d2 or in the previous sentence of
            # the same paragraph
            prev = [d for d in dates_by_sent[i] if d.end <= d2.start and d.granularity == "day"]
            if not prev and i > 0 and _paragraph_of(sents[i - 1][0], ranges) == _paragraph_of(a, ranges):
                prev = [d for d in dates_by_sent[i - 1] if d.granularity == "day"]
            if not prev:
                continue
            d1 = prev[-1]
            if _SEQUENCE.search(text[d1.end:d2.start]) is None:
                continue
            y1 = d1.year if d1.year is not None else d2.year
            y2 = d2.year if d2.year is not None else y1
            if (d1.year is None) != (d2.year is None) and not (d1.year or d2.year):
                continue
            k1, k2 = d1.key(y1), d2.key(y2)
            if k1 is None or k2 is None or k2 >= k1:
                continue
            seq = _SEQUENCE.search(before).group(0)
            out.append({"rule": "date_order", "verdict": "inconsistent",
                        "explanation": (f"\u201c{seq}\u201d introduces {d2.text} as coming after {d1.text}, but it "
                                        f"is earlier."),
                        "cited": [_cite("earlier_mention", text, d1.start, d1.end),
                                  _cite("later_mention", text, d2.start, d2.end)]})
    return out


register_analyzer("consistency")(ConsistencyAnalyzer)
