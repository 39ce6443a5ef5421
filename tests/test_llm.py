"""OpenAICompatibleLLM against the local fake server (real HTTP): output, faults, limits, secrets."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from fakeopenai import FakeOpenAI, FakeRequest, Fault
from ingest.config import Settings
from ingest.errors import LLMAuthError, LLMOutputError, LLMTransportError
from ingest.llm import OpenAICompatibleLLM, make_llm
from ingest.llm.prompts import RenderedPrompt, input_json, parse_input_json

CANARY = "sk-test-canary-7f3c9a1e5b2d4680"


class Gain(BaseModel):
    """A small contract for seam tests: the metric and value named in the input."""

    model_config = ConfigDict(extra="forbid")
    metric: str
    value: str


def prompt_for(metric: str, value: str) -> RenderedPrompt:
    variables = {"metric": metric, "value": value}
    user = f"Report the gain.\n<input>\n{input_json(variables)}\n</input>"
    return RenderedPrompt("gain", "v1", "h" * 64, "You extract gains.", user, variables)


def echo(request: FakeRequest) -> str:
    """Answer Gain from the request's own <input> fence."""
    return json.dumps(parse_input_json(request.first_user))


def llm_settings(fake: FakeOpenAI, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        backend="openai",
        openai_base_url=fake.base_url,
        openai_api_key=CANARY,
        llm_timeout=5.0,
        llm_max_retries=2,
        llm_reasks=1,
        llm_concurrency=4,
    )
    values.update(overrides)
    return Settings(**values)


def run(llm: OpenAICompatibleLLM, *prompts: RenderedPrompt) -> list[Any]:
    async def go() -> list[Any]:
        try:
            return list(await asyncio.gather(*(llm.complete(p, Gain) for p in prompts)))
        finally:
            await llm.aclose()

    return asyncio.run(go())


def run_error(llm: OpenAICompatibleLLM, prompt: RenderedPrompt) -> Exception:
    async def go() -> Exception:
        try:
            await llm.complete(prompt, Gain)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            return exc
        finally:
            await llm.aclose()
        raise AssertionError("no error raised")

    return asyncio.run(go())


@pytest.fixture
def fake():
    with FakeOpenAI(responder=echo) as server:
        yield server


def test_make_llm_picks_openai_when_a_base_url_is_set(fake: FakeOpenAI) -> None:
    llm = make_llm(Settings(openai_base_url=fake.base_url))
    assert isinstance(llm, OpenAICompatibleLLM) and llm.backend == "openai"


def test_json_schema_mode_sends_the_schema_and_returns_usage(fake: FakeOpenAI) -> None:
    llm = OpenAICompatibleLLM(llm_settings(fake, model="gpt-test"))
    [result] = run(llm, prompt_for("CTR", "+3.1%"))
    assert result.parsed == Gain(metric="CTR", value="+3.1%")
    assert (result.backend, result.model, result.attempts) == ("openai", "gpt-test", 1)
    body = fake.requests[0].body
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "Gain"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["response_format"]["json_schema"]["schema"]["additionalProperties"] is False
    assert body["max_tokens"] == 4096 and body["model"] == "gpt-test"
    prompt_chars = len("You extract gains.") + len(prompt_for("CTR", "+3.1%").user)
    assert result.prompt_tokens == prompt_chars // 4
    assert result.completion_tokens == len(result.raw) // 4 > 0
    assert fake.requests[0].authorization == f"Bearer {CANARY}"


def test_rate_limit_is_retried_after_its_retry_after(fake: FakeOpenAI) -> None:
    fake.inject("rate_limit", retry_after=0.4)
    fake.inject("rate_limit", retry_after_ms=250)
    [result] = run(OpenAICompatibleLLM(llm_settings(fake)), prompt_for("GMV", "+1.2%"))
    assert result.attempts == 3 and result.parsed.value == "+1.2%"
    first, second, third = fake.requests
    assert [r.status for r in (first, second, third)] == [429, 429, 200]
    assert second.received_at - first.received_at >= 0.4
    assert third.received_at - second.received_at >= 0.25


def test_server_error_is_retried(fake: FakeOpenAI) -> None:
    fake.inject("error", status=500)
    fake.inject("error", status=503)
    [result] = run(OpenAICompatibleLLM(llm_settings(fake), backoff_base=0.05), prompt_for("AUC", "0.81"))
    assert result.attempts == 3 and [r.status for r in fake.requests] == [500, 503, 200]


def test_persistent_server_errors_end_in_transport_error_with_attempts(fake: FakeOpenAI) -> None:
    fake.inject("error", status=502, times=3)
    error = run_error(OpenAICompatibleLLM(llm_settings(fake), backoff_base=0.01), prompt_for("AUC", "0.8"))
    assert isinstance(error, LLMTransportError) and error.attempts == 3
    assert "HTTP 502" in str(error) and fake.count == 3


def test_bad_request_is_not_retried(fake: FakeOpenAI) -> None:
    fake.inject("error", status=400)
    error = run_error(OpenAICompatibleLLM(llm_settings(fake)), prompt_for("AUC", "0.8"))
    assert isinstance(error, LLMTransportError) and "HTTP 400" in str(error)
    assert error.attempts == 1 and fake.count == 1


def test_hang_times_out_and_is_retried(fake: FakeOpenAI) -> None:
    fake.inject("hang", seconds=600)  # never answers while the test runs
    settings = llm_settings(fake, llm_timeout=2.0)
    [result] = run(OpenAICompatibleLLM(settings, backoff_base=0.01), prompt_for("NDCG@10", "0.412"))
    assert result.attempts == 2 and result.parsed.value == "0.412"
    assert fake.requests[0].fault == "hang"


def test_hang_every_time_ends_in_transport_error(fake: FakeOpenAI) -> None:
    fake.inject("hang", seconds=3.0, times=2)
    settings = llm_settings(fake, llm_timeout=0.2, llm_max_retries=1)
    error = run_error(OpenAICompatibleLLM(settings, backoff_base=0.01), prompt_for("AUC", "0.8"))
    assert isinstance(error, LLMTransportError) and error.attempts == 2
    assert str(error).startswith(f"timeout at {fake.base_url}")


def test_malformed_json_is_reasked_with_the_validation_error(fake: FakeOpenAI) -> None:
    fake.inject("malformed")
    [result] = run(OpenAICompatibleLLM(llm_settings(fake)), prompt_for("Recall@50", "22.6%"))
    assert result.parsed.value == "22.6%" and result.attempts == 2
    reask = fake.requests[1].messages
    assert [m["role"] for m in reask] == ["system", "user", "assistant", "user"]
    assert reask[2]["content"] == fake_half(echo(fake.requests[0]))
    assert "did not validate" in reask[3]["content"] and "json" in reask[3]["content"].lower()
    assert result.prompt_tokens > fake_tokens(fake.requests[0])


def fake_half(content: str) -> str:
    return content[: len(content) // 2]


def fake_tokens(request: FakeRequest) -> int:
    return sum(len(m["content"]) for m in request.messages) // 4


def test_schema_violation_twice_gives_output_error_with_raw_and_usage(fake: FakeOpenAI) -> None:
    fake.responder = lambda request: json.dumps({"metric": "CTR"})
    error = run_error(OpenAICompatibleLLM(llm_settings(fake)), prompt_for("CTR", "+1%"))
    assert isinstance(error, LLMOutputError) and error.attempts == 2
    assert "invalid Gain after 2 asks" in str(error) and "value: Field required" in str(error)
    assert error.raw == '{"metric": "CTR"}'
    assert error.prompt_tokens > 0 and error.completion_tokens == 2 * (len(error.raw) // 4)


def test_fenced_reply_is_accepted_in_json_object_mode(fake: FakeOpenAI) -> None:
    fake.inject("fenced")
    llm = OpenAICompatibleLLM(llm_settings(fake, llm_response_format="json_object"))
    [result] = run(llm, prompt_for("CVR", "+4.5%"))
    assert result.parsed.value == "+4.5%" and result.attempts == 1
    assert result.raw.startswith("```json")
    request = fake.requests[0]
    assert request.body["response_format"] == {"type": "json_object"}
    assert "Answer with JSON only" in request.system and '"title": "Gain"' in request.system
    assert request.schema_name == "Gain"


def test_fenced_reply_is_reasked_in_json_schema_mode(fake: FakeOpenAI) -> None:
    fake.inject("fenced")
    [result] = run(OpenAICompatibleLLM(llm_settings(fake)), prompt_for("CVR", "+4.5%"))
    assert result.attempts == 2 and result.parsed.value == "+4.5%"


def test_truncation_is_an_output_error_with_its_reason(fake: FakeOpenAI) -> None:
    fake.inject("length")
    error = run_error(OpenAICompatibleLLM(llm_settings(fake)), prompt_for("CTR", "+2%"))
    assert isinstance(error, LLMOutputError) and str(error) == "truncated (finish_reason=length)"
    assert error.attempts == 1 and fake.count == 1 and error.completion_tokens > 0


def test_refusal_is_an_output_error_with_its_text(fake: FakeOpenAI) -> None:
    fake.inject("refusal", text="I cannot assist with this request.")
    llm = OpenAICompatibleLLM(llm_settings(fake, llm_response_format="json_object"))
    error = run_error(llm, prompt_for("CTR", "+2%"))
    assert isinstance(error, LLMOutputError)
    assert str(error) == "refused: I cannot assist with this request."


def test_concurrency_limit_is_respected(fake: FakeOpenAI) -> None:
    """Requests are answered in rounds of three held together (a barrier, no timing): a client that
    sent fewer at once would stall the round (a broken barrier fails the request), more would show
    in max_in_flight."""
    rounds = threading.Barrier(3, timeout=30)

    def in_threes(request: FakeRequest) -> str:
        rounds.wait()
        return echo(request)

    fake.responder = in_threes
    prompts = [prompt_for("CTR", f"+{i}%") for i in range(12)]
    results = run(OpenAICompatibleLLM(llm_settings(fake, llm_concurrency=3, llm_timeout=60)), *prompts)
    assert [r.parsed.value for r in results] == [f"+{i}%" for i in range(12)]
    assert fake.count == 12 and fake.max_in_flight == 3 and not rounds.broken


def test_llm_survives_two_event_loops(fake: FakeOpenAI) -> None:
    llm = OpenAICompatibleLLM(llm_settings(fake))
    assert run(llm, prompt_for("A", "1"))[0].parsed.value == "1"
    assert run(llm, prompt_for("B", "2"))[0].parsed.value == "2"


def test_wrong_key_is_an_auth_error_without_the_key(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeOpenAI(api_key="sk-the-right-one", responder=echo) as fake:
        error = run_error(OpenAICompatibleLLM(llm_settings(fake)), prompt_for("CTR", "+1%"))
        assert fake.count == 1 and fake.requests[0].status == 401
    assert isinstance(error, LLMAuthError) and error.attempts == 1
    assert str(error) == f"authentication failed at {fake.base_url}: check OPENAI_API_KEY"
    captured = capfd.readouterr()
    for text in (str(error), repr(error), caplog.text, captured.out, captured.err, str(error.raw)):
        assert CANARY not in text


def test_canary_key_never_appears_in_errors_or_logs(
    fake: FakeOpenAI, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.responder = lambda request: Fault("error", status=500)
    fake.inject("rate_limit", retry_after_ms=10)
    error = run_error(OpenAICompatibleLLM(llm_settings(fake), backoff_base=0.01), prompt_for("CTR", "+1%"))
    assert isinstance(error, LLMTransportError) and error.attempts == 3
    assert "retrying" in caplog.text
    captured = capfd.readouterr()
    for text in (str(error), repr(error), caplog.text, captured.out, captured.err):
        assert CANARY not in text


@pytest.mark.parametrize(
    "schema_name", ["PaperExtraction", "PaperFacts", "ReportPlan", "SectionText", "OverviewText"]
)
def test_strict_response_format_matches_the_documented_strict_rules(schema_name: str) -> None:
    """Every object closes and requires all its properties; the SDK's own (private) conversion, when this
    openai version has it, produces the same schema."""
    from ingest.facts import sheet
    from ingest.llm import contracts
    from ingest.llm.structured import response_format

    schema = getattr(sheet, schema_name, None) or getattr(contracts, schema_name)
    fmt = response_format(schema)
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["name"] == schema_name

    def objects(node: object) -> list[dict]:
        if isinstance(node, dict):
            own = [node] if node.get("type") == "object" else []
            return own + [o for v in node.values() for o in objects(v)]
        if isinstance(node, list):
            return [o for v in node for o in objects(v)]
        return []

    found = objects(fmt["json_schema"]["schema"])
    assert found and all(o["additionalProperties"] is False for o in found)
    assert all(sorted(o["required"]) == sorted(o["properties"]) for o in found)
    private = pytest.importorskip("openai.lib._parsing._completions")
    reference = private.type_to_response_format_param(schema)
    assert fmt["json_schema"]["schema"] == reference["json_schema"]["schema"]
