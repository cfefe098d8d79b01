"""`narrascope match` as a user meets it: which input each claim comes from, --quiet, the reference cache."""

import json
import os
import subprocess
import sys
import threading

A = ("The harbour bridge was sold to a private fund for one euro, officials admit. "
     "The council met on Tuesday to discuss the budget for next year.\n")
B = ("Critics say the harbour bridge was sold to a private fund for one euro. "
     "A new bakery opened near the station and sells bread until noon.\n")
# the header of a public case database's export: the claim is its "title"
REFS = ("date,id,title,countries,keywords,languages,outlets\n"
        "2024-01-02,https://cases.example/1,The harbour bridge was sold to a private fund for one euro,X,bridge,English,Example TV\n"
        "2024-01-03,https://cases.example/2,Wind farms doubled household electricity bills,Y,energy,English,Example FM\n")


def run(*args, cache):
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1", "NARRASCOPE_CACHE": str(cache)}
    return subprocess.run([sys.executable, "-m", "narrascope", *map(str, args)], capture_output=True, text=True,
                          timeout=300, env=env)


def _inputs(tmp_path):
    a, b, refs = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "cases.csv"
    a.write_text(A, encoding="utf-8")
    b.write_text(B, encoding="utf-8")
    refs.write_text(REFS, encoding="utf-8")
    return a, b, refs


def test_match_names_the_input_of_every_claim(tmp_path):
    a, b, refs = _inputs(tmp_path)
    out = tmp_path / "m.json"
    r = run("match", a, b, "--against", refs, "--fast", "--json", out, cache=tmp_path / "cache")
    assert r.returncode == 0, r.stderr
    assert "a.txt [" in r.stdout and "b.txt [" in r.stdout  # the table names each claim's input and offsets
    assert "━" not in r.stderr and "%" not in r.stderr  # no progress bar when stderr is not a terminal
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {d["document"] for d in data["inputs"]} == {str(a), str(b)}
    [pair] = data["documents"]
    for side in (pair["a"], pair["b"]):
        text = open(side["document"], encoding="utf-8").read()
        assert text[side["start"]:side["end"]] == side["text"] and "harbour bridge" in side["text"]
    checked = data["references"]
    assert {m["claim"]["document"] for m in checked} == {str(a), str(b)}
    assert all(m["reference"]["url"] == "https://cases.example/1" for m in checked)


def test_match_quiet_and_usage(tmp_path):
    a, b, refs = _inputs(tmp_path)
    r = run("match", a, b, "--fast", "--quiet", cache=tmp_path / "cache")
    assert r.returncode == 0 and r.stdout == "", r.stderr
    r = run("match", a, "--fast", cache=tmp_path / "cache")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "two or more articles" in r.stderr


def test_match_default_mode_caches_reference_vectors(tmp_path):
    a, b, refs = _inputs(tmp_path)
    cache = tmp_path / "cache"
    out = tmp_path / "m.json"
    r = run("match", a, b, "--against", refs, "--json", out, "--quiet", cache=cache)
    assert r.returncode == 0, r.stderr
    [stored] = list((cache / "match").glob("*.npy"))
    first = json.loads(out.read_text(encoding="utf-8"))["references"]
    assert first and first[0]["reference"]["url"] == "https://cases.example/1"
    stored.write_bytes(b"garbage")  # a corrupt cache file is ignored and rebuilt
    r = run("match", a, b, "--against", refs, "--json", out, "--quiet", cache=cache)
    assert r.returncode == 0, r.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["references"] == first
    assert stored.read_bytes() != b"garbage"


def test_match_progress_bar_on_a_terminal_and_quiet_silences_it(tmp_path):
    import pty

    a, b, refs = _inputs(tmp_path)
    env = {**os.environ, "COLUMNS": "100", "NARRASCOPE_CACHE": str(tmp_path / "cache"), "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    seen = {}
    for quiet in (False, True):
        master, slave = pty.openpty()
        args = ["match", str(a), str(b), "--fast"] + (["--quiet"] if quiet else [])
        chunks: list[bytes] = []

        def drain(fd=master, into=chunks):  # read while it runs: a full pty would block the writer
            while True:
                try:
                    data = os.read(fd, 65536)
                except OSError:  # the other end closed and drained
                    return
                if not data:
                    return
                into.append(data)

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        proc = subprocess.run([sys.executable, "-m", "narrascope", *args], stdout=subprocess.PIPE, stderr=slave,
                              env=env, timeout=300)
        os.close(slave)
        reader.join(timeout=30)
        os.close(master)
        assert proc.returncode == 0
        seen[quiet] = b"".join(chunks).decode("utf-8", "replace")
    assert "analysing" in seen[False]
    assert "analysing" not in seen[True]
