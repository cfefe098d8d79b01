"""The optional LLM backend against a local chat-completions server on 127.0.0.1 (no internet)."""

from __future__ import annotations

import json
import random
import socket
import time

import pytest

from narrascope.backends import (
    Evidence,
    LLMBackend,
    LLMError,
    RejectedQuote,
    check_schema,
    label_choice_schema,
    schema_errors,
    validate_labels,
    verify_evidence,
)
from narrascope.taxonomy import load_taxonomy

SECRET = "sk-test-0123456789-very-secret"
SCHEMA = {
    "type": "object",
    "properties": {"label": {"type": "string", "enum": ["Guardian", "Martyr"]}, "score": {"type": "number"}},
    "required": ["label", "score"],
    "additionalProperties": False,
}
MESSAGES = [{"role": "system", "content": "You label entities."}, {"role": "user", "content": "Article: ..."}]


from llm_server import ChatServer, completion  # noqa: E402


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("NARRASCOPE_LLM_API_KEY", raising=False)


@pytest.fixture
def server():
    srv = ChatServer()
    yield srv
    srv.close()


@pytest.fixture
def make(server, tmp_path):
    sleeps: list[float] = []

    def build(**kw):
        kw.setdefault("cache_dir", tmp_path / "cache")
        kw.setdefault("timeout", 1)
        backend = LLMBackend(server.url, "test-model", sleep=sleeps.append, rng=random.Random(0), **kw)
        backend.sleeps = sleeps
        return backend

    return build


def test_normal_reply_with_usage_and_cost(server, make):
    backend = make(price_per_1k_input=1.0, price_per_1k_output=2.0)
    server.then(body=completion({"label": "Martyr", "score": 0.5}, usage=(1000, 500)))
    assert backend.complete_json(MESSAGES, SCHEMA, name="entity role") == {"label": "Martyr", "score": 0.5}
    (req,) = server.requests
    assert req["path"] == "/v1/chat/completions"
    assert req["body"]["model"] == "test-model" and req["body"]["temperature"] == 0
    assert req["body"]["messages"] == MESSAGES
    assert req["body"]["response_format"] == {
        "type": "json_schema", "json_schema": {"name": "entity_role", "schema": SCHEMA, "strict": True}}
    assert "Authorization" not in req["headers"]  # no key set: local servers need none
    u = backend.usage
    assert (u.calls, u.requests, u.cache_hits, u.retries) == (1, 1, 0, 0)
    assert (u.prompt_tokens, u.completion_tokens, u.total_tokens) == (1000, 500, 1500)
    assert u.estimated_cost == pytest.approx(2.0)
    summary = backend.usage_summary()
    assert "1,000 prompt" in summary and "500 completion" in summary and "2.0000" in summary
    assert make().usage.estimated_cost is None and "cost unknown" in make().usage_summary()


def test_429_then_success_honours_retry_after(server, make):
    backend = make()
    server.then(429, {"error": {"message": "rate limited"}}, {"Retry-After": "7"}).then()
    assert backend.complete_json(MESSAGES, SCHEMA, name="r")["label"] == "Guardian"
    assert backend.sleeps == [7.0]
    assert (backend.usage.requests, backend.usage.retries) == (2, 1)


def test_500_twice_then_success_with_exponential_backoff(server, make):
    backend = make(backoff_base=1.0)
    server.then(500, "oops").then(503, "busy").then()
    assert backend.complete_json(MESSAGES, SCHEMA, name="r")["label"] == "Guardian"
    assert len(backend.sleeps) == 2
    assert 0.5 <= backend.sleeps[0] < 1.0 and 1.0 <= backend.sleeps[1] < 2.0  # 1 s, 2 s with jitter in [0.5, 1)
    assert backend.usage.retries == 2 and len(server.requests) == 3


def test_retries_exhausted_and_no_retry_on_other_4xx(server, make):
    backend = make(max_retries=2)
    server.then(500, "a").then(500, "b").then(500, "c")
    with pytest.raises(LLMError, match="HTTP 500") as err:
        backend.complete_json(MESSAGES, SCHEMA, name="r")
    assert err.value.status == 500 and len(server.requests) == 3 and len(backend.sleeps) == 2
    server.requests.clear()
    server.then(404, {"error": "no such model"})
    with pytest.raises(LLMError, match="HTTP 404"):
        backend.complete_json(MESSAGES, SCHEMA, name="r2")
    assert len(server.requests) == 1 and len(backend.sleeps) == 2


def test_retry_after_too_long_gives_up(server, make):
    backend = make(max_retry_after=60)
    server.then(429, "slow down", {"Retry-After": "3600"})
    with pytest.raises(LLMError, match="Retry-After"):
        backend.complete_json(MESSAGES, SCHEMA, name="r")
    assert backend.sleeps == [] and len(server.requests) == 1


def test_400_on_json_schema_falls_back_to_json_object(server, make):
    backend = make()
    server.then(400, {"error": {"message": "Invalid parameter: 'response_format' of type 'json_schema' is not supported"}})
    server.then()
    assert backend.complete_json(MESSAGES, SCHEMA, name="r")["label"] == "Guardian"
    first, second = (r["body"] for r in server.requests)
    assert first["response_format"]["type"] == "json_schema"
    assert second["response_format"] == {"type": "json_object"}
    system = second["messages"][0]
    assert system["role"] == "system" and system["content"].startswith("You label entities.")
    assert json.dumps(SCHEMA) in system["content"] and len(second["messages"]) == len(MESSAGES)
    assert backend.usage.fallbacks == 1 and backend.sleeps == []
    # later calls go straight to json_object
    backend.complete_json([{"role": "user", "content": "other"}], SCHEMA, name="r")
    third = server.requests[2]["body"]
    assert third["response_format"] == {"type": "json_object"} and third["messages"][0]["role"] == "system"


def test_400_unrelated_to_response_format_is_an_error(server, make):
    backend = make()
    server.then(400, {"error": {"message": "context length exceeded"}})
    with pytest.raises(LLMError, match="context length"):
        backend.complete_json(MESSAGES, SCHEMA, name="r")
    assert len(server.requests) == 1 and backend.response_format_mode == "json_schema"


def test_invalid_json_then_repair(server, make):
    backend = make()
    server.then(body=completion('{"label": "Guardian", "score": ')).then()
    assert backend.complete_json(MESSAGES, SCHEMA, name="r") == {"label": "Guardian", "score": 0.9}
    repair = server.requests[1]["body"]["messages"]
    assert repair[: len(MESSAGES)] == MESSAGES
    assert repair[-2] == {"role": "assistant", "content": '{"label": "Guardian", "score": '}
    assert repair[-1]["role"] == "user" and "not valid JSON" in repair[-1]["content"]
    assert backend.usage.repairs == 1 and backend.usage.prompt_tokens == 20


def test_invalid_twice_is_a_clear_error(server, make):
    backend = make()
    server.then(body=completion("Sure! Here is the JSON")).then(body=completion("still not json"))
    with pytest.raises(LLMError, match="after one repair attempt: not valid JSON"):
        backend.complete_json(MESSAGES, SCHEMA, name="r")
    assert len(server.requests) == 2
    assert not list((backend.cache_dir).rglob("*.json"))  # failures are not cached


def test_fenced_json_is_accepted(server, make):
    server.then(body=completion('```json\n{"label": "Martyr", "score": 1}\n```'))
    assert make().complete_json(MESSAGES, SCHEMA, name="r") == {"label": "Martyr", "score": 1}


def test_label_outside_enum_rejected(server, make):
    roles = load_taxonomy("semeval2025_roles")
    schema = label_choice_schema(roles.names("fine"), multi=False, with_evidence=False)
    backend = make()
    server.then(body=completion({"label": "Hero"})).then(body=completion({"label": "Superhero"}))
    with pytest.raises(LLMError, match="is not one of the allowed values"):
        backend.complete_json(MESSAGES, schema, name="role")
    assert "Hero" in server.requests[1]["body"]["messages"][-1]["content"]
    # a repair that picks a real label is accepted
    server.then(body=completion({"label": "Hero"})).then(body=completion({"label": "Guardian"}))
    assert backend.complete_json(MESSAGES + [{"role": "user", "content": "again"}], schema, name="role") == {"label": "Guardian"}
    kept, rejected = validate_labels(["Guardian", "Hero", "Guardian", "Martyr"], roles)
    assert kept == ["Guardian", "Martyr"] and rejected == ["Hero"]
    assert validate_labels(["a", "x"], ["a", "b"]) == (["a"], ["x"])


ARTICLE = ('The minister said: \u201cWe will not  negotiate\nwith terrorists.\u201d '
           'Critics called it \u2018theatre\u2019 \u2014 nothing more.')


def test_verify_evidence_exact_normalized_and_invented():
    quotes = ["The minister said", '"We will not negotiate with terrorists."', "called it 'theatre' - nothing",
              "The minister resigned", "", "  "]
    results = verify_evidence(ARTICLE, quotes)
    exact, norm, norm2, invented, empty, blank = results
    assert isinstance(exact, Evidence) and exact.match == "exact" and (exact.start, exact.end) == (0, 17)
    quote, start, end = norm
    assert norm.match == "normalized" and ARTICLE[start:end] == '\u201cWe will not  negotiate\nwith terrorists.\u201d'
    assert ARTICLE[norm2.start:norm2.end] == "called it \u2018theatre\u2019 \u2014 nothing"
    assert isinstance(invented, RejectedQuote) and not invented.ok and "does not occur" in invented.reason
    assert isinstance(empty, RejectedQuote) and isinstance(blank, RejectedQuote)
    assert [r.ok for r in results] == [True, True, True, False, False, False]


def test_evidence_end_to_end(server, make):
    schema = label_choice_schema(["Guardian", "Martyr"], multi=True, with_evidence=True)
    reply = {"labels": [{"label": "Guardian", "evidence": ["We will not negotiate with terrorists", "the army saved us"]}]}
    server.then(body=completion(reply))
    result = make().complete_json(MESSAGES, schema, name="roles")
    found = verify_evidence(ARTICLE, result["labels"][0]["evidence"])
    assert found[0].ok and ARTICLE[found[0].start:found[0].end] == "We will not  negotiate\nwith terrorists"
    assert not found[1].ok


def test_cache_hit_makes_no_request(server, make, tmp_path):
    backend = make()
    first = backend.complete_json(MESSAGES, SCHEMA, name="r")
    again = make()  # a new process would read the same files
    assert again.complete_json(MESSAGES, SCHEMA, name="r") == first
    assert len(server.requests) == 1 and again.usage.cache_hits == 1 and again.usage.requests == 0
    make(temperature=0.7).complete_json(MESSAGES, SCHEMA, name="r")  # different key
    assert len(server.requests) == 2
    make(cache=False).complete_json(MESSAGES, SCHEMA, name="r")
    assert len(server.requests) == 3
    files = list((tmp_path / "cache").rglob("*.json"))
    assert len(files) == 2
    files[0].write_text("{not json", encoding="utf-8")  # a corrupt entry is ignored and rewritten
    make().complete_json(MESSAGES, SCHEMA, name="r")
    make(temperature=0.7).complete_json(MESSAGES, SCHEMA, name="r")
    assert len(server.requests) == 4


def test_api_key_sent_but_never_cached_or_shown(server, make, monkeypatch, tmp_path):
    monkeypatch.setenv("NARRASCOPE_LLM_API_KEY", SECRET)
    backend = make()
    backend.complete_json(MESSAGES, SCHEMA, name="r")
    assert server.requests[0]["headers"]["Authorization"] == f"Bearer {SECRET}"
    files = list((tmp_path / "cache").rglob("*"))
    assert any(f.suffix == ".json" for f in files)
    for f in files:
        if f.is_file():
            assert SECRET not in f.read_text(encoding="utf-8")
    assert SECRET not in repr(backend) and SECRET not in backend.cache_key(MESSAGES, SCHEMA)
    monkeypatch.setenv("NARRASCOPE_LLM_API_KEY", "another-key")
    assert make().complete_json(MESSAGES, SCHEMA, name="r")  # the key is not part of the cache key
    assert len(server.requests) == 1
    # a server that echoes the key in an error does not get it into the message; 401 is not retried
    server.then(401, {"error": "bad key another-key"})
    with pytest.raises(LLMError) as err:
        make().complete_json([{"role": "user", "content": "x"}], SCHEMA, name="r")
    assert "another-key" not in str(err.value) and "[redacted]" in str(err.value) and len(server.requests) == 2


def test_missing_key_hint_on_401(server, make):
    server.then(401, {"error": "unauthorized"})
    with pytest.raises(LLMError, match="NARRASCOPE_LLM_API_KEY is not set"):
        make(api_key_env="NARRASCOPE_LLM_API_KEY").complete_json(MESSAGES, SCHEMA, name="r")


def test_timeout_is_retried_and_bounded(server, make):
    backend = make(timeout=0.3)
    server.then(delay=1.0).then()
    t0 = time.monotonic()
    assert backend.complete_json(MESSAGES, SCHEMA, name="r")["label"] == "Guardian"
    assert time.monotonic() - t0 < 1.9  # the slow first reply is abandoned after 0.3 s, not waited for
    assert backend.usage.retries >= 1 and len(backend.sleeps) == backend.usage.retries


def test_connection_refused_retries_then_fails(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps: list[float] = []
    backend = LLMBackend(f"http://127.0.0.1:{port}/v1", "m", cache_dir=tmp_path, timeout=0.5, max_retries=3,
                         sleep=sleeps.append, rng=random.Random(1))
    with pytest.raises(LLMError, match="cannot reach"):
        backend.complete_json(MESSAGES, SCHEMA, name="r")
    assert len(sleeps) == 3 and backend.usage.requests == 4


def test_label_choice_schema_shapes_agree_with_jsonschema():
    jsonschema = pytest.importorskip("jsonschema")
    labels = ["URW: Blaming the war on others", "Other", "Other"]
    cases = {
        (False, False): ({"label": "Other"}, {"label": "Nope"}),
        (False, True): ({"label": "Other", "evidence": ["a b c"]}, {"label": "Other"}),
        (True, False): ({"labels": ["Other", "URW: Blaming the war on others"]}, {"labels": ["Other", 3]}),
        (True, True): ({"labels": [{"label": "Other", "evidence": []}]}, {"labels": [{"label": "Other", "x": 1}]}),
    }
    for (multi, evidence), (good, bad) in cases.items():
        schema = label_choice_schema(labels, multi=multi, with_evidence=evidence)
        check_schema(schema)
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema)
        assert validator.is_valid(good) and not list(schema_errors(good, schema))
        assert not validator.is_valid(bad) and list(schema_errors(bad, schema))
    assert label_choice_schema(labels, multi=False, with_evidence=False)["properties"]["label"]["enum"] == [
        "URW: Blaming the war on others", "Other"]
    with pytest.raises(ValueError):
        label_choice_schema([], multi=False, with_evidence=False)


def test_unsupported_schema_keywords_refused(make):
    backend = make()
    with pytest.raises(ValueError, match="unsupported keyword"):
        backend.complete_json(MESSAGES, {"type": "object", "patternProperties": {}}, name="r")
    with pytest.raises(ValueError, match="type 'object'"):
        backend.complete_json(MESSAGES, {"type": "array"}, name="r")
    assert backend.usage.requests == 0
