"""People's names across the corpus from the command line: `narrascope entity` and `trends` take a name as
written and answer for the person ("Putin" -> "Vladimir Putin"), listing the other spellings."""

from __future__ import annotations

import json

from narrascope.cli import main
from narrascope.model import Document, Group
from narrascope.store import open_store


def _store(path) -> None:
    with open_store(path) as store:
        for n, (name, day) in enumerate([("Putin", "2024-01-02"), ("Vladimir Putin", "2024-01-09"),
                                         ("President Putin", "2024-02-01")]):
            doc = Document(f"Document {n} about a president.", metadata={"site_name": "Coast Post", "published": day})
            doc.add_group("entities", Group("E1", name, "PERSON", attrs={"mentions": 1}))
            doc.add_group("roles", Group("R1", "Antagonist", "PERSON", attrs={"entity": name, "entity_id": "E1"}))
            store.add(doc)


def test_entity_and_trends_take_a_name_as_written(tmp_path, capsys) -> None:
    db = tmp_path / "names.db"
    _store(db)
    assert main(["entity", "Putin", "--db", str(db), "--json"]) == 0
    profile = json.loads(capsys.readouterr().out)
    assert profile["entity"] == "Vladimir Putin" and profile["documents"] == 3
    assert set(profile["also_written_as"]) == {"Putin", "President Putin"}
    assert main(["entity", "President Putin", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Vladimir Putin: 3 documents" in out and "also written as:" in out
    assert main(["trends", "--db", str(db), "--kind", "role", "--entity", "Putin", "--period", "month", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "2024-01-01,Antagonist,2" in lines and "2024-02-01,Antagonist,1" in lines
