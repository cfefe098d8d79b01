"""Web UI benchmark: build a synthetic SQLite corpus (default 100,000 documents) with hand-made layers
and groups, then time every page of ``narrascope serve`` (HTML and JSON) through FastAPI's TestClient.

The corpus has ~30 entities, 10 narratives, 20 techniques, 50 sources, 4 languages, dates over two
years, roles (hero/villain/victim), cited sources and speakers, and planted clusters (near-duplicate
and cross-language). No analyzers run: Documents are made by hand, as ``tests/test_store.py::article``.

    python bench/bench_web.py                        # 100,000 documents
    python bench/bench_web.py --n 20000 --json out.json
    python bench/bench_web.py --db /tmp/bench100k.db  # reuse (or build once and keep) the store
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ENTITIES = [
    "Northern Alliance", "Harbour Authority", "European Union", "United Nations", "NATO", "Kremlin",
    "White House", "Ministry of Health", "Red Cross", "World Bank", "IMF", "Gazprom", "Pentagon",
    "Vladimir Putin", "Joe Biden", "Volodymyr Zelensky", "Emmanuel Macron", "Olaf Scholz", "Xi Jinping",
    "Recep Erdogan", "Kazakhstan", "Ukraine", "Russia", "China", "Poland", "Germany", "France",
    "Moldova", "Georgia", "Armenia",
]
NARRATIVES = [
    "Blaming the war on others", "Discrediting Ukraine", "Russia is the victim", "Praise of Russia",
    "Overpraising the West", "Speculating war outcomes", "Economy: Prices rise", "Aid and relief",
    "Amplifying war-related fears", "Distrust towards media",
]
TECHNIQUES = [
    "Loaded_Language", "Name_Calling-Labeling", "Repetition", "Exaggeration-Minimisation", "Doubt",
    "Appeal_to_Fear-Prejudice", "Flag_Waving", "Causal_Oversimplification", "Slogans", "Appeal_to_Authority",
    "Black-and-White_Fallacy", "Thought-terminating_Cliches", "Whataboutism", "Reductio_ad_hitlerum",
    "Red_Herring", "Straw_Man", "Bandwagon", "Obfuscation-Vagueness-Confusion", "Appeal_to_Hypocrisy",
    "Conversation_Killer",
]
ROLES = ["Protagonist", "Antagonist", "Innocent"]  # hero / villain / victim
SOURCES = [f"Outlet {i:02d}" for i in range(50)]
SOURCE_WEIGHTS = [1 / (i + 1) for i in range(50)]  # a few big outlets, a long tail
LANGUAGES = ["en", "en", "en", "ru", "ru", "de", "fr"]
CITED = ["TASS", "RIA Novosti", "Reuters", "AP", "Telegram: Rybar", "Telegram: Readovka", "BBC", "RT", "Interfax", "CNN"]
SPEAKERS = ["Maria Zakharova", "Dmitry Peskov", "John Kirby", "Josep Borrell", "Sergey Lavrov", "Antony Blinken"]
VOCAB = (
    "the of and to in a is that for on was with he it as at by this had not are but from or have an they which "
    "one you were her all she there would their we him been has when who will more no if out so said what up its "
    "about into than them can only other new some could time these two may then do first any my now such like our "
    "over man me even most made after also did many before must through back years where much your way well down "
    "should because each just those people how too little state good very make world still own see men work long "
    "get here between both life being under never day same another know while last might us great old year off "
    "come since against go came right used take three ceasefire sanctions pipeline harbour blackout ferry "
    "generators villages minister embassy laboratory border refugees election parliament summit grain tanker"
).split()
START = date(2023, 1, 1)
DAYS = 730


def synthetic_documents(n: int, seed: int = 7):
    """``n`` Documents with narratives, techniques, entities, roles, cited sources and speakers."""
    from narrascope.model import Document, Group

    rng = random.Random(seed)
    for i in range(n):
        words = [rng.choice(VOCAB) for _ in range(rng.randint(60, 140))]
        text = f"Report {i}: " + " ".join(words).capitalize() + "."
        day = START + timedelta(days=rng.randrange(DAYS))
        meta = {
            "source": "bench", "title": f"Item {i}: " + " ".join(rng.choice(VOCAB) for _ in range(6)),
            "language": rng.choice(LANGUAGES), "site_name": rng.choices(SOURCES, SOURCE_WEIGHTS)[0],
            "published": f"{day.isoformat()}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00",
            "url": f"https://example.org/{i}",
        }
        doc = Document(text, metadata=meta)
        for k, label in enumerate(rng.sample(NARRATIVES, rng.choice((0, 1, 1, 2))), 1):
            doc.add_group("narratives", Group(f"N{k}", label, "narrative"))
        length = len(text)
        for label in rng.sample(TECHNIQUES, rng.randint(0, 4)):
            a = rng.randrange(0, max(1, length - 40))
            doc.add_span("techniques", a, min(length, a + rng.randint(5, 40)), label)
        ents = rng.sample(ENTITIES[:12], rng.randint(0, 2)) + rng.sample(ENTITIES[12:], rng.randint(0, 2))
        for k, name in enumerate(ents, 1):
            a = rng.randrange(0, max(1, length - 20))
            span = doc.add_span("entities", a, min(length, a + 12), "ORG")
            doc.add_group("entities", Group(f"E{k}", name, "ORG", [span.id], attrs={"mentions": rng.randint(1, 4)}))
            if rng.random() < 0.6:
                doc.add_group("roles", Group(f"R{k}", rng.choice(ROLES), "ORG",
                                             attrs={"entity": name, "entity_id": f"E{k}"}))
        if rng.random() < 0.3:
            doc.add_group("cited_sources", Group("C1", rng.choice(CITED), "outlet"))
        if rng.random() < 0.2:
            doc.add_group("speakers", Group("S1", rng.choice(SPEAKERS), "person"))
        yield doc


def build_store(path: Path, n: int, seed: int = 7) -> dict:
    """Create the store at ``path`` with ``n`` documents and planted clusters; returns timings."""
    from narrascope.store import open_store

    t0 = time.perf_counter()
    ids: list[str] = []
    with open_store(path) as store:
        batch: list = []
        for doc in synthetic_documents(n, seed):
            ids.append(doc.id)
            batch.append(doc)
            if len(batch) >= 5000:
                store.add_many(batch)
                batch = []
                print(f"  {len(ids):,} documents ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
        if batch:
            store.add_many(batch)
        t_docs = time.perf_counter() - t0
        rng = random.Random(seed + 1)
        pool = list(ids)
        rng.shuffle(pool)
        near, cross, k = [], [], 0
        for c in range(max(1, n // 50)):  # 2 % of the documents start a near-duplicate cluster
            size = min(2 + int(rng.paretovariate(1.5)), 30)
            members = pool[k:k + size]
            k += size
            if len(members) < 2 or k > len(pool) // 2:
                break
            near.append({"members": members, "pairs": [{"a": members[0], "b": m, "jaccard": round(rng.uniform(0.5, 1), 3)}
                                                       for m in members[1:]]})
        for c in range(max(1, n // 500)):
            members = pool[k:k + 2]
            k += 2
            if len(members) < 2:
                break
            cross.append({"members": members, "pairs": [{"a": members[0], "b": members[1], "score": 0.8,
                                                         "evidence": ["number: 1,200", "name: Northern Alliance"]}]})
        store.replace_clusters("near-duplicate", near)
        store.replace_clusters("cross-language", cross)
    return {"documents": n, "build_s": round(time.perf_counter() - t0, 1), "insert_s": round(t_docs, 1),
            "clusters": len(near) + len(cross)}


def pages(store_path: Path) -> list[str]:
    """The pages to time: every route, with typical and heavy parameters."""
    from urllib.parse import quote

    from narrascope.store import open_store

    with open_store(store_path) as store:
        doc_id = store.search(None, limit=1)[0].doc_id
        cluster_id = store.clusters(limit=1)[0]["id"]
        cross = store.clusters("cross-language", limit=1)
    out = [
        "/", "/?period=day", "/?period=month", "/?source=Outlet%2003",
        "/search", "/search?q=ceasefire", "/search?q=the", "/search?q=ceasefire+sanctions&language=en&page=3",
        "/search?q=%22grain+tanker%22", "/search?narrative=Aid+and+relief&technique=Doubt",
        "/search?entity=NATO&role=Antagonist", "/search?source=Outlet%2000&date_from=2023-06-01&date_to=2023-12-31",
        "/search?page=100",
        f"/documents/{doc_id}", f"/documents/{doc_id}/report",
        "/clusters", "/clusters?kind=near-duplicate&page=5", f"/clusters/{cluster_id}",
        "/entities", f"/entities/{quote('Northern Alliance')}", f"/entities/{quote('Moldova')}",
        "/graphs/entities", "/graphs/citations",
    ]
    if cross:
        out.append(f"/clusters/{cross[0]['id']}")
    return out


def quiesce(app, limit: float = 60.0) -> None:
    """Wait until no store call runs in the background, so that it does not slow the next page."""
    deadline = time.monotonic() + limit
    while app.state.corpus._pending and time.monotonic() < deadline:
        time.sleep(0.05)


def time_pages(store_path: Path, repeat: int) -> list[dict]:
    from fastapi.testclient import TestClient

    from narrascope.web import create_app
    from narrascope.web.corpus import ResultCache

    results = []
    app = create_app(str(store_path), warm=False)  # no warm-up: the first request of each page is cold
    with TestClient(app) as client:
        for url in pages(store_path):
            for fmt in ("html", "json"):
                if url.endswith("/report") and fmt == "json":
                    continue
                full = url if fmt == "html" else url + ("&" if "?" in url else "?") + "format=json"
                quiesce(app)  # store calls an earlier page left running in the background (search facets)
                app.state.corpus.cache = ResultCache()  # forget earlier pages' store results
                times = []
                for _ in range(repeat):
                    t = time.perf_counter()
                    r = client.get(full)
                    times.append(time.perf_counter() - t)
                    if r.status_code != 200:
                        raise SystemExit(f"{full}: HTTP {r.status_code}: {r.text[:200]}")
                    if len(times) == 1:  # what the cold answer left out (search: count, facets)
                        first_skipped = r.json().get("skipped", []) if fmt == "json" else []
                warm = times[1:] or times
                skipped = first_skipped if fmt == "json" else []
                results.append({"url": full, "first_s": round(times[0], 4), "median_s": round(statistics.median(warm), 4),
                                "max_s": round(max(times), 4), "bytes": len(r.content), "skipped_cold": skipped})
                note = f"   (cold: {', '.join(skipped)} not ready in time)" if skipped else ""
                print(f"cold {times[0]:7.3f} s   cached {results[-1]['median_s']:7.3f} s   {len(r.content):>9,} B  {full}{note}",
                      flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="documents in the synthetic corpus (default 100000)")
    ap.add_argument("--db", type=Path, help="the store file; built when missing (default: a temporary file)")
    ap.add_argument("--repeat", type=int, default=5, help="requests per page: one cold, the rest cached (default 5)")
    ap.add_argument("--json", type=Path, help="write the results to this file")
    args = ap.parse_args(argv)

    import tempfile

    tmp = None
    path = args.db
    if path is None:
        tmp = tempfile.TemporaryDirectory(prefix="narrascope-bench-web-")
        path = Path(tmp.name) / "bench.db"
    build = None
    if not path.exists():
        print(f"building {args.n:,} documents in {path} ...", file=sys.stderr)
        build = build_store(path, args.n)
        print(f"built in {build['build_s']} s", file=sys.stderr)
    results = time_pages(path, args.repeat)
    slowest = max(results, key=lambda r: r["first_s"])
    slowest_cached = max(results, key=lambda r: r["median_s"])
    print(f"\nslowest page, cold (store results not cached): {slowest['url']} {slowest['first_s']:.3f} s")
    print(f"slowest page, cached (median of {max(1, args.repeat - 1)}): {slowest_cached['url']} {slowest_cached['median_s']:.3f} s")
    print(f"median over pages: cold {statistics.median(r['first_s'] for r in results):.3f} s,"
          f" cached {statistics.median(r['median_s'] for r in results):.3f} s")
    over = [r for r in results if r["first_s"] >= 1.0]
    print(f"pages at or over 1 s cold: {len(over)}" + "".join(f"\n  {r['first_s']:.3f} s {r['url']}" for r in over))
    if args.json:
        args.json.write_text(json.dumps({"n": args.n, "store": str(path), "build": build, "repeat": args.repeat,
                                         "pages": results, "slowest_cold": slowest, "slowest_cached": slowest_cached}, indent=1) + "\n", encoding="utf-8")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
