"""Degraded mode: a model that is missing, raises, or a stage that uses up the latency budget still gives an
answer (lexicon and language checks only, at least review, never a silent approval) that names the stage.

Slowness is simulated on the engine's own clock (no sleeping, no timing assertions): a stage "takes" 250 ms
because the fake part moves the clock forward by 250 ms.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from moderation.engine import APPROVE, REJECT, REVIEW, ArticleText, CommentInput, ModerationEngine
from moderation.language import LanguageGate, LanguageResult
from moderation.model.store import sha256_of
from moderation.sites import create_site
from tests.apps import app_client
from tests.servers import ROOT, free_port, start_server, stop_server

LIBRARY = ArticleText(
    title="کتابخانه عمومی شهر پس از چهار سال بازسازی دوباره افتتاح شد",
    lead="کتابخانه مرکزی شهر با ۴۰ هزار جلد کتاب و سالن مطالعه ۲۰۰ نفره روز شنبه بازگشایی شد.",
)
CLEAN = "خیلی خوب شد که بالاخره کتابخانه باز شد، سالن مطالعه‌اش عالیه"
SECRET_TEXT = "نظر محرمانه‌ای درباره کتابخانه"


class FakeClock:
    """Seconds, like time.perf_counter; moves only when a fake part says a stage took time."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds

    def advance(self, milliseconds: float) -> None:
        self.seconds += milliseconds / 1000


class SlowGate:
    """The real language gate, taking `milliseconds` on the fake clock."""

    def __init__(self, real: LanguageGate, clock: FakeClock, milliseconds: float) -> None:
        self.real, self.clock, self.milliseconds = real, clock, milliseconds
        self.version = real.version
        self.langdetect_loaded = real.langdetect_loaded

    def detect(self, text: str) -> LanguageResult:
        self.clock.advance(self.milliseconds)
        return self.real.detect(text)


class FaultyModel:
    """The real model, whose scoring takes time on the fake clock or raises."""

    def __init__(
        self, real: Any, clock: FakeClock | None = None, milliseconds: float = 0, error: Exception | None = None
    ):
        self.real, self.clock, self.milliseconds, self.error = real, clock, milliseconds, error

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def score(self, text: str, signals: dict[str, float]) -> dict[str, float]:
        if self.error is not None:
            raise self.error
        if self.clock is not None:
            self.clock.advance(self.milliseconds)
        return self.real.score(text, signals)


def build(engine: ModerationEngine, clock: FakeClock, gate: Any = None, model: Any = None) -> ModerationEngine:
    return ModerationEngine(
        engine.normalizer,
        gate or engine.gate,
        engine.lexicon,
        model if model is not None else engine.model,
        engine.model_version,
        latency_budget_ms=200,
        clock=clock,
    )


def test_within_the_budget_nothing_is_degraded(engine: ModerationEngine) -> None:
    clock = FakeClock()
    fast = build(engine, clock, gate=SlowGate(engine.gate, clock, 150))
    decision = fast.moderate(CommentInput(CLEAN, LIBRARY))
    assert decision.verdict == APPROVE and decision.degraded == ()
    assert decision.scores and "model" in decision.stage_ms


def test_a_stage_over_the_budget_skips_the_model_and_names_the_stage(engine: ModerationEngine) -> None:
    clock = FakeClock()
    slow = build(engine, clock, gate=SlowGate(engine.gate, clock, 250))
    decision = slow.moderate(CommentInput(CLEAN, LIBRARY))
    assert decision.verdict == REVIEW, "a clean comment is not approved without its model"
    assert decision.degraded == ("language",)
    assert "degraded" in {r.code for r in decision.reasons}
    assert decision.scores == {} and "model" not in decision.stage_ms
    assert any("language" in note and "200 ms" in note for note in decision.notes)
    assert decision.stage_ms["language"] == pytest.approx(250)


def test_a_slow_model_is_not_trusted_after_the_budget(engine: ModerationEngine) -> None:
    clock = FakeClock()
    slow = build(engine, clock, model=FaultyModel(engine.model, clock, 300))
    decision = slow.moderate(CommentInput(CLEAN, LIBRARY))
    assert decision.verdict == REVIEW and decision.degraded == ("model",)
    assert decision.scores == {}


def test_a_model_that_raises_gives_review_and_logs_no_text(
    engine: ModerationEngine, caplog: pytest.LogCaptureFixture
) -> None:
    broken = build(engine, FakeClock(), model=FaultyModel(engine.model, error=ValueError(f"bad input {SECRET_TEXT}")))
    with caplog.at_level(logging.DEBUG):
        decision = broken.moderate(CommentInput(SECRET_TEXT, LIBRARY))
    assert decision.verdict == REVIEW and decision.degraded == ("model",)
    assert any("ValueError" in note for note in decision.notes)
    assert "model scoring failed: ValueError" in caplog.text
    assert SECRET_TEXT not in caplog.text


def test_degraded_mode_still_applies_the_lexicon(engine: ModerationEngine) -> None:
    clock = FakeClock()
    slow = build(engine, clock, gate=SlowGate(engine.gate, clock, 500))
    decision = slow.moderate(CommentInput("نویسنده این خبر کیر خر است", LIBRARY))
    # The lexicon's severe words still reject: degraded means "at least review", not "less strict".
    assert decision.verdict == REJECT and decision.degraded == ("language",)
    assert {"profanity", "degraded"} <= {r.code for r in decision.reasons}


def test_a_comment_that_needs_no_model_is_not_degraded(engine: ModerationEngine) -> None:
    clock = FakeClock()
    slow = build(engine, clock, gate=SlowGate(engine.gate, clock, 500))
    decision = slow.moderate(CommentInput("This is a comment in English about the library", LIBRARY))
    assert decision.degraded == () and "non_persian" in {r.code for r in decision.reasons}


class BrokenGate:
    """A language gate that raises (a bug, a missing word list)."""

    version = "broken"

    def detect(self, text: str) -> LanguageResult:
        raise RuntimeError(f"cannot detect {text}")


def test_a_stage_that_raises_gives_review_naming_it(engine: ModerationEngine, caplog: pytest.LogCaptureFixture) -> None:
    broken = build(engine, FakeClock(), gate=BrokenGate())
    with caplog.at_level(logging.DEBUG):
        decision = broken.moderate(CommentInput(SECRET_TEXT, LIBRARY))
    assert decision.verdict == REVIEW and decision.degraded == ("language",)
    assert [r.code for r in decision.reasons] == ["degraded"]
    assert any("language raised RuntimeError" in note for note in decision.notes)
    assert "stage language failed: RuntimeError" in caplog.text and SECRET_TEXT not in caplog.text


def test_a_failing_signals_stage_keeps_the_lexicon_and_language_checks(engine: ModerationEngine) -> None:
    class BrokenVectors(FaultyModel):
        def topic_vector(self, text: str) -> Any:
            raise MemoryError

    broken = build(engine, FakeClock(), model=BrokenVectors(engine.model))
    clean = broken.moderate(CommentInput(CLEAN, LIBRARY))
    assert clean.verdict == REVIEW and clean.degraded == ("signals",) and clean.language.code == "fa"
    profane = broken.moderate(CommentInput("نویسنده این خبر کیر خر است", LIBRARY))
    assert profane.verdict == REJECT and profane.degraded == ("signals",)


def test_a_model_that_did_not_load_says_why(engine: ModerationEngine) -> None:
    missing = ModerationEngine(
        engine.normalizer, engine.gate, engine.lexicon, None, None, model_error="model.joblib: does not load"
    )
    decision = missing.moderate(CommentInput(CLEAN, LIBRARY))
    assert decision.verdict == REVIEW and decision.degraded == ("model",)
    assert any("model.joblib: does not load" in note for note in decision.notes)


def test_no_budget_means_no_degradation(engine: ModerationEngine) -> None:
    clock = FakeClock()
    unbounded = ModerationEngine(
        engine.normalizer, SlowGate(engine.gate, clock, 10_000), engine.lexicon, engine.model, "m", clock=clock
    )
    assert unbounded.moderate(CommentInput(CLEAN, LIBRARY)).degraded == ()


# -- start-up, through real uvicorn processes ------------------------------------------------------------


def _copy_models(tmp_path: Path) -> Path:
    """A copy of the shipped model registry that a test may break."""
    models = tmp_path / "models"
    shutil.copytree(ROOT / "models", models)
    return models


def _artifact(models: Path) -> tuple[Path, Path]:
    folder = models / "moderation" / json.loads((models / "moderation" / "aliases.json").read_text())["production"]
    return folder / "model.joblib", folder / "manifest.json"


def _edit_manifest(manifest: Path, **changes: object) -> None:
    data = json.loads(manifest.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if key == "sha256":
            data["artifact"]["sha256"] = value
        else:
            data[key] = value
    manifest.write_text(json.dumps(data), encoding="utf-8")


def _refusal(env: dict[str, str]) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "uvicorn", "service:app", "--port", str(free_port())],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode != 0, "the service must not start"
    return [line for line in (result.stdout + result.stderr).splitlines() if "refusing to start" in line]


def test_refuses_to_start_on_a_tampered_model_naming_the_file(tmp_path: Path) -> None:
    models = _copy_models(tmp_path)
    artifact, _ = _artifact(models)
    with artifact.open("ab") as handle:
        handle.write(b"\0")
    lines = _refusal({"MODERATION_DATA_DIR": str(tmp_path), "MODERATION_MODELS_DIR": str(models)})
    assert len(lines) == 1 and str(artifact) in lines[0] and "sha256" in lines[0] and "manifest" in lines[0]


def test_refuses_to_start_on_a_model_for_another_normalizer(tmp_path: Path) -> None:
    models = _copy_models(tmp_path)
    artifact, manifest = _artifact(models)
    _edit_manifest(manifest, normalizer_version="0.0-old")
    lines = _refusal({"MODERATION_DATA_DIR": str(tmp_path), "MODERATION_MODELS_DIR": str(models)})
    assert len(lines) == 1 and str(artifact) in lines[0] and "normalizer 0.0-old" in lines[0]


def test_a_model_that_does_not_load_starts_degraded_and_says_so(tmp_path: Path) -> None:
    models = _copy_models(tmp_path)
    artifact, manifest = _artifact(models)
    artifact.write_bytes(b"this is not a pickle")
    _edit_manifest(manifest, sha256=sha256_of(artifact))  # it passes the checks, then fails to load
    port = free_port()
    process, key = start_server({"MODERATION_DATA_DIR": str(tmp_path), "MODERATION_MODELS_DIR": str(models)}, port)
    url = f"http://127.0.0.1:{port}"
    try:
        ready = httpx.get(f"{url}/readyz")
        assert ready.status_code == 200, "degraded still answers, so it stays in the load balancer"
        body = ready.json()
        assert body["status"] == "degraded" and body["degraded"] is True
        assert body["checks"]["model"].startswith("not loaded") and "model.joblib" in body["checks"]["model"]
        comment = {"comment_id": "d1", "text": CLEAN, "article_id": "a1", "article": {"title": LIBRARY.title}}
        answer = httpx.post(f"{url}/v1/moderate", json=comment, headers={"Authorization": f"Bearer {key}"}, timeout=30)
        assert answer.status_code == 200, answer.text
        decision = answer.json()["decision"]
        assert answer.json()["state"] == "pending_review" and decision["verdict"] == "review"
        assert decision["degraded"] == ["model"] and "degraded" in [r["code"] for r in decision["reasons"]]
        metrics = httpx.get(f"{url}/metrics").text
        assert "moderation_degraded 1.0" in metrics
        assert 'moderation_degraded_decisions_total{stage="model"} 1.0' in metrics
    finally:
        stop_server(process)


def test_refuses_to_start_on_a_database_from_a_newer_version(tmp_path: Path) -> None:
    database = tmp_path / "moderation.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        db.execute("INSERT INTO alembic_version VALUES ('9999_from_the_future')")
    lines = _refusal({"MODERATION_DATA_DIR": str(tmp_path)})
    assert len(lines) == 1 and "9999_from_the_future" in lines[0]


def test_a_stage_over_budget_is_answered_and_shown_by_readyz_and_metrics(
    engine: ModerationEngine, tmp_path: Path
) -> None:
    clock = FakeClock()
    slow = build(engine, clock, gate=SlowGate(engine.gate, clock, 250))
    with app_client(slow, tmp_path) as client:
        with client.app.state.runtime.sessions.begin() as session:  # type: ignore[attr-defined]
            _, key, _ = create_site(session, "slow")
        body = {"comment_id": "s1", "text": CLEAN, "article_id": "a1", "article": {"title": LIBRARY.title}}
        answer = client.post("/v1/moderate", headers={"Authorization": f"Bearer {key}"}, json=body)
        assert answer.status_code == 200 and answer.json()["state"] == "pending_review"
        assert answer.json()["decision"]["degraded"] == ["language"]
        stored = client.get("/v1/comments/s1", headers={"Authorization": f"Bearer {key}"}).json()
        assert any("latency budget" in note for note in stored["decision"]["notes"])
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        assert ready.json()["degraded"] is False, "the model is loaded; only this comment was degraded"
        assert ready.json()["degraded_decisions"] == {"language": 1} and ready.json()["latency_budget_ms"] == 200
        metrics = client.get("/metrics").text
        assert 'moderation_degraded_decisions_total{stage="language"} 1.0' in metrics
        assert "moderation_degraded 0.0" in metrics
