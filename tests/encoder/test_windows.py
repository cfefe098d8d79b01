"""Windows over a document (narrascope.encoder.windows): the one function training and run time share.

All texts are written for this test; no data set text.
"""

from __future__ import annotations

import numpy as np
import pytest

from narrascope.encoder import PASSAGE, E5Tokenizer
from narrascope.encoder.windows import STRIDE, WINDOW, make_windows, pack, tokenize

SENTENCE = "The committee said on Tuesday that the harbour in Varnatown would reopen after repairs. "


@pytest.fixture(scope="module")
def tok():
    return E5Tokenizer()


def test_prefix_is_split_off_and_every_window_carries_it(tok):
    text = SENTENCE * 40
    t = tokenize(tok, text)
    assert t.prefix.tolist() == tok.content([""], PASSAGE)[0].ids[:len(t.prefix)].tolist()
    assert len(t.prefix) == 2
    # the content equals the text tokenised on its own (the prefix glued on changes nothing after it)
    assert t.ids.tolist() == tok.content([text], "")[0].ids.tolist()
    w = make_windows(tok, t)
    assert len(w) > 2
    for k in range(len(w)):
        seq = w.sequence(k)
        assert len(seq) <= WINDOW
        assert seq[0] == tok.bos and seq[-1] == tok.eos and seq[1:3].tolist() == t.prefix.tolist()


def test_runs_cover_the_text_with_overlap_and_end_at_its_end(tok):
    t = tokenize(tok, SENTENCE * 60)
    w = make_windows(tok, t)
    size = WINDOW - 2 - len(t.prefix)
    assert w.runs[0][0] == 0 and w.runs[-1][1] == len(t.ids)
    for (a, b), (c, d) in zip(w.runs, w.runs[1:]):
        assert b - a == size and c > a and c < b  # consecutive runs overlap
    assert all(c - a == STRIDE for (a, _), (c, _) in zip(w.runs[:-2], w.runs[1:-1]))
    owner = w.owner()
    for i, k in enumerate(owner):
        a, b = w.runs[k]
        assert a <= i < b
        central = min(i - a, b - 1 - i)
        assert all(min(i - c, d - 1 - i) <= central for c, d in w.runs if c <= i < d)


def test_short_and_empty_texts_have_one_window(tok):
    for text in ("", "One sentence."):
        w = make_windows(tok, tokenize(tok, text))
        assert len(w) == 1
    empty = make_windows(tok, tokenize(tok, ""))
    unit = empty.unit(0, 0)
    assert unit.window == 0 and unit.hi > unit.lo


def test_a_unit_is_read_whole_from_the_window_holding_it_most_centrally(tok):
    text = SENTENCE * 50
    t = tokenize(tok, text)
    w = make_windows(tok, t)
    start = text.index("Varnatown", len(text) // 2)
    end = start + len("Varnatown")
    ta, tb = w.token_span(start, end)
    assert all(t.offsets[i][1] > start and t.offsets[i][0] < end for i in range(ta, tb))
    u = w.unit(start, end)
    a, b = w.runs[u.window]
    assert a <= ta and tb <= b
    assert w.sequence(u.window)[u.lo:u.hi].tolist() == t.ids[ta:tb].tolist()
    margin = min(ta - a, b - tb)
    assert all(min(ta - c, d - tb) <= margin for c, d in w.runs if c <= ta and tb <= d)
    # a context clipped to the unit's window stays in that window and holds the unit
    c = w.clip(u, start - 200, end + 200)
    assert c.window == u.window and c.lo <= u.lo and u.hi <= c.hi


def test_a_span_over_no_token_gets_the_next_one(tok):
    text = "Alpha    Beta"
    w = make_windows(tok, tokenize(tok, text))
    ta, tb = w.token_span(6, 7)  # inside the run of spaces (collapsed by the tokenizer)
    assert tb == ta + 1


def test_pack_keeps_order_and_fits_one_window(tok):
    texts = [f"Speaker {i} said the figure was {i * 7} percent higher than last year." for i in range(60)]
    packed = pack(tok, texts)
    assert len(packed) > 1
    flat = [article[a:b] for article, spans in packed for a, b in spans]
    assert flat == texts
    for article, _ in packed:
        assert len(tokenize(tok, article).ids) <= WINDOW - 4
    assert pack(tok, []) == []
    long = ["word " * 600]
    assert pack(tok, long)[0][1] == [(0, len(long[0]))]


def test_offsets_are_monotonic_for_bisection(tok):
    t = tokenize(tok, "Zürich, Москва и दिल्ली — 2024: 12,5 % ﬁnal!  Tabs\tand\nlines")
    assert np.all(np.diff(t.offsets[:, 0]) >= 0) and np.all(np.diff(t.offsets[:, 1]) >= 0)
