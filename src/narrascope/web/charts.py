"""Server-side charts and graph layouts for the web UI: plain data for the templates to draw as
inline SVG (no JavaScript, no network). Every chart carries its numbers too (a table and
``<title>`` tooltips), so it reads without the picture.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from ..display_names import role_name  # noqa: F401  (the templates and views import it from here too)

# Tableau 10: distinct and readable on white
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#7f7f7f")
ROLE_COLORS = {"Protagonist": "#2f855a", "Antagonist": "#c53030", "Innocent": "#2b6cb0"}
NEUTRAL = "#94a3b8"


def _nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5, 5 x 10^k that is at least ``value`` (and at least 1)."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # pragma: no cover


def _fmt(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def line_chart(rows: Iterable[Sequence[Any]], *, top: int = 8, width: int = 760, height: int = 250,
               name: Callable[[str], str] | None = None) -> dict[str, Any]:
    """A multi-line chart of (period, label, count) rows: the ``top`` labels by total, one line each.

    Returns the geometry (polylines, dots with tooltips, axis ticks) and ``table``: one row per
    period with the count of each drawn label. ``hidden`` counts the labels left out. ``name``: the
    shown name of a label (the legend, tooltips and table headers; the label itself by default).
    """
    shown = name or str
    grid: dict[str, dict[str, int]] = defaultdict(dict)
    totals: dict[str, int] = defaultdict(int)
    periods_set: set[str] = set()
    for period, label, n in rows:
        grid[label][period] = int(n)
        totals[label] += int(n)
        periods_set.add(period)
    periods = sorted(periods_set)
    ranked = sorted(totals, key=lambda lab: (-totals[lab], lab))
    labels = ranked[:top]
    chart: dict[str, Any] = {"width": width, "height": height, "series": [], "xticks": [], "yticks": [],
                             "empty": not periods, "hidden": len(ranked) - len(labels),
                             "table": {"labels": [shown(lab) for lab in labels], "rows": []}}
    if not periods:
        return chart
    left, right, top_m, bottom = 52, 14, 12, 36
    pw, ph = width - left - right, height - top_m - bottom
    ymax = _nice_max(max((grid[lab].get(p, 0) for lab in labels for p in periods), default=1))
    many = len(periods) > 1

    def x(i: int) -> float:
        return left + (pw * i / (len(periods) - 1) if many else pw / 2)

    def y(v: float) -> float:
        return top_m + ph - ph * v / ymax

    dots = len(periods) <= 160
    for k, lab in enumerate(labels):
        values = [grid[lab].get(p, 0) for p in periods]
        chart["series"].append({
            "label": shown(lab), "color": PALETTE[k % len(PALETTE)], "total": totals[lab],
            "points": " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values)),
            "dots": [{"x": round(x(i), 1), "y": round(y(v), 1), "title": f"{shown(lab)} \u2014 {p}: {v:,}"}
                     for i, (p, v) in enumerate(zip(periods, values))] if dots else [],
        })
    chart["yticks"] = [{"y": round(y(ymax * f), 1), "label": _fmt(ymax * f)} for f in (0, 0.25, 0.5, 0.75, 1)]
    count = min(len(periods), 7)
    picks = sorted({round(i * (len(periods) - 1) / max(1, count - 1)) for i in range(count)})
    last = len(periods) - 1
    chart["xticks"] = [{"x": round(x(i), 1), "label": periods[i],
                        "anchor": "middle" if not many or 0 < i < last else ("start" if i == 0 else "end")} for i in picks]
    chart["plot"] = {"left": left, "right": width - right, "top": top_m, "bottom": top_m + ph}
    chart["table"]["rows"] = [{"period": p, "values": [grid[lab].get(p, 0) for lab in labels]} for p in periods]
    return chart


def bars(pairs: Iterable[Sequence[Any]], href: Callable[[str], str] | None = None, *, width: int = 180,
         label: Callable[[str], str] | None = None) -> list[dict[str, Any]]:
    """Rows for a bar table: (label, count) pairs with each bar's width in pixels (largest = ``width``)."""
    items = [(str(k), int(n)) for k, n in pairs]
    top = max((n for _, n in items), default=0) or 1
    return [{"key": k, "label": label(k) if label else k, "n": n, "href": href(k) if href else None,
             "w": max(1, round(width * n / top)), "width": width} for k, n in items]


# -- graphs --------------------------------------------------------------------------------------


def force_layout(n: int, edges: Sequence[tuple[int, int, float]], *, iterations: int | None = None) -> np.ndarray:
    """Positions in [0, 1]^2 for ``n`` nodes: a few Fruchterman-Reingold iterations from a golden-angle
    spiral (deterministic: the same graph always gets the same picture). Node 0 (the largest) starts
    in the middle. ``edges``: (i, j, weight)."""
    if n == 0:
        return np.zeros((0, 2))
    if n == 1:
        return np.array([[0.5, 0.5]])
    idx = np.arange(n, dtype=float)
    radius = np.sqrt((idx + 0.5) / n)
    theta = idx * 2.399963229728653  # the golden angle
    pos = np.column_stack([radius * np.cos(theta), radius * np.sin(theta)])
    k = math.sqrt(math.pi / n) * 0.8
    if edges:
        ei = np.array([e[0] for e in edges], dtype=int)
        ej = np.array([e[1] for e in edges], dtype=int)
        w = np.array([float(e[2]) for e in edges])
        w = 0.3 + 0.7 * w / (w.max() or 1.0)
    steps = iterations or (80 if n <= 150 else 50 if n <= 400 else 30)
    temperature = 0.1
    for step in range(steps):
        delta = pos[:, None, :] - pos[None, :, :]
        dist2 = np.einsum("ijk,ijk->ij", delta, delta)
        np.fill_diagonal(dist2, np.inf)
        dist2 = np.maximum(dist2, 1e-6)
        disp = np.einsum("ijk,ij->ik", delta, (k * k) / dist2)
        if edges:
            d = pos[ei] - pos[ej]
            dist = np.sqrt((d * d).sum(1)) + 1e-9
            pull = d * (dist / k * w)[:, None]
            np.add.at(disp, ei, -pull)
            np.add.at(disp, ej, pull)
        disp -= pos * (k * 0.5)  # gravity keeps separate components on the canvas
        length = np.sqrt((disp * disp).sum(1)) + 1e-12
        limit = temperature * (1 - step / steps) + 0.002
        pos += disp / length[:, None] * np.minimum(length, limit)[:, None]
    # even out the density: keep each node's direction from the centre and its rank by distance, but
    # spread the ranks over the disc, so a dense core is not squeezed by a few far-flung leaves
    centred = pos - pos.mean(0)
    radius = np.sqrt((centred * centred).sum(1))
    angle = np.arctan2(centred[:, 1], centred[:, 0])
    rank = np.empty(n)
    rank[np.argsort(radius, kind="stable")] = np.arange(n)
    spread = np.sqrt((rank + 0.5) / n)
    pos = np.column_stack([spread * np.cos(angle), spread * np.sin(angle)])
    lo, hi = pos.min(0), pos.max(0)
    span = np.where(hi - lo > 1e-9, hi - lo, 1.0)
    return (pos - lo) / span


def graph_svg(nodes: list[dict[str, Any]], edges: list[tuple[int, int, float, str]], *, width: int = 900,
              height: int = 640, labelled: int = 30, directed: bool = False) -> dict[str, Any]:
    """Geometry for a node-link drawing. ``nodes``: dicts with label, documents, color, href, title.
    ``edges``: (i, j, weight, title[, color]). The ``labelled`` largest nodes get a visible label; every
    node and edge has a tooltip."""
    pos = force_layout(len(nodes), [(i, j, w) for i, j, w, *_ in edges])
    margin = 50
    biggest = max((nd["documents"] for nd in nodes), default=1) or 1
    heaviest = max((e[2] for e in edges), default=1) or 1
    order = sorted(range(len(nodes)), key=lambda i: -nodes[i]["documents"])
    shown = set(order[:labelled])
    out_nodes = []
    for i, nd in enumerate(nodes):
        x = margin + pos[i][0] * (width - 2 * margin)
        y = margin + pos[i][1] * (height - 2 * margin)
        r = 4 + 14 * math.sqrt(nd["documents"] / biggest)
        # the label on the side where it fits the canvas (11 px text: about 6.5 px a character)
        right = x + r + 3 + 6.5 * len(str(nd.get("label", ""))) <= width - 2 or x < width / 2
        out_nodes.append({**nd, "x": round(x, 1), "y": round(y, 1), "r": round(r, 1), "show_label": i in shown,
                          "anchor": "start" if right else "end",
                          "lx": round(x + r + 3 if right else x - r - 3, 1)})
    out_edges = []
    for e in edges:
        i, j, w, title = e[0], e[1], e[2], e[3]
        a, b = out_nodes[i], out_nodes[j]
        x2, y2 = b["x"], b["y"]
        if directed:  # stop at the target's rim, where the arrowhead goes
            dx, dy = x2 - a["x"], y2 - a["y"]
            dist = math.hypot(dx, dy) or 1.0
            x2, y2 = x2 - dx / dist * (b["r"] + 2), y2 - dy / dist * (b["r"] + 2)
        out_edges.append({"x1": a["x"], "y1": a["y"], "x2": round(x2, 1), "y2": round(y2, 1),
                          "w": round(0.6 + 4 * w / heaviest, 2), "title": title,
                          "color": e[4] if len(e) > 4 else "#94a3b8"})
    return {"width": width, "height": height, "nodes": out_nodes, "edges": out_edges, "directed": directed}
