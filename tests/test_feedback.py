"""The feedback loop: human decisions exported as labelled comments with provenance, training on them
with a held-out part, and thresholds calibrated from reviewed items (applied only when confirmed)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker
from typer.testing import CliRunner

from moderation.cli import app
from moderation.comments import CommentService, ModerationRequest
from moderation.corpus import FEEDBACK_HELD_OUT, load_corpus
from moderation.corpus.dataset import feedback_split_of
from moderation.engine import ArticleText, ModerationEngine
from moderation.feedback import (
    Reviewed,
    Thresholds,
    calibrate,
    derive_labels,
    export_feedback,
    propose_reject,
    propose_review,
    simulate,
)
from moderation.feedback.export import outside_labels
from moderation.settings import PROJECT_ROOT
from moderation.sites import create_site
from moderation.storage import build_engine, upgrade
from moderation.storage.tables import Comment, Decision, Event, FeedbackExample, Site

runner = CliRunner()
SALT = b"0123456789abcdef-test-salt"
SPORT = ArticleText(
    "تیم فوتبال شهر در دقیقه آخر برد", "تیم فولاد با گل دقیقه ۹۰ برنده شد.", "مربی تیم از بازیکنان تشکر کرد."
)
# Texts the shipped model sends to review (checked in the test): accusation, off-topic, borderline insult.
ACCUSATION = "مدیرعامل باشگاه پول‌ها رو بالا کشیده"
OFF_TOPIC = "کسی می‌دونه یارانه کی واریز میشه؟"
INSULT_AND_ACCUSATION = "داور بازی رشوه گرفته بود"


# -- labels from verdicts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verdict", "reason_code", "engine_codes", "labels", "basis"),
    [
        ("approve", None, ["insult", "accusation"], [], "approved"),
        ("reject", "spam", ["insult"], ["spam"], "reason_code"),
        ("reject", "threat", [], ["insult"], "reason_code"),
        ("reject", None, ["accusation", "insult", "degraded"], ["accusation", "insult"], "engine_reasons"),
        ("reject", None, ["non_persian"], None, None),
        ("reject", "other", ["insult"], None, None),
        ("reject", "non_persian", ["insult"], None, None),
    ],
)
def test_a_verdict_becomes_labels(verdict, reason_code, engine_codes, labels, basis) -> None:  # type: ignore[no-untyped-def]
    found, why = derive_labels(verdict, reason_code, engine_codes)
    assert found == labels
    if basis is not None:
        assert why == basis


def test_outside_labels_follow_suggested_attributes() -> None:
    def scores(**values: float) -> dict:  # type: ignore[type-arg]
        return {"attributeScores": {k: {"summaryScore": {"value": v}} for k, v in values.items()}}

    assert outside_labels("approve", scores(TOXICITY=0.0)) == ([], "approved")
    assert outside_labels("reject", scores(INSULT_EXPERIMENTAL=0.9, SPAM=0.1)) == (["insult"], "attributes")
    assert outside_labels("reject", scores(SPAM=1.0, PROFANITY=0.7))[0] == ["profanity", "spam"]
    # Coral rejects with TOXICITY 1 whatever the reason, or names the status: no category to learn
    assert outside_labels("reject", scores(TOXICITY=1.0))[0] is None
    assert outside_labels("reject", scores(REJECTED=1.0))[0] is None


# -- export from a real database -------------------------------------------------------------------


def _database(url: str, engine: ModerationEngine):  # type: ignore[no-untyped-def]
    database = build_engine(url)
    upgrade(database)
    sessions = sessionmaker(database, expire_on_commit=False)
    return database, sessions, CommentService(sessions, engine, SALT)


def test_export_writes_labels_with_provenance(database_url: str, engine: ModerationEngine) -> None:
    database, sessions, service = _database(database_url, engine)
    with sessions.begin() as session:
        site, _, _ = create_site(session, "news-fb")
        other, _, _ = create_site(session, "other-fb")
    moderated = {
        "c-1": (ACCUSATION, None),
        "c-2": (OFF_TOPIC, None),
        "c-3": (INSULT_AND_ACCUSATION, "c-1"),  # a reply: the parent's text travels with it
        "c-4": (ACCUSATION + " حتما", None),
        "c-5": (ACCUSATION + " قطعا", None),
    }
    for comment_id, (text, parent) in moderated.items():
        stored = service.moderate(site, ModerationRequest(comment_id, text, "match-1", SPORT, parent_id=parent))
        assert stored.state == "pending_review", text
    service.moderate(other, ModerationRequest("c-9", OFF_TOPIC, "match-9", SPORT))
    service.record_moderator_decision(site.id, "c-1", "approve", "mod-ali", "نقد است، نه اتهام")
    service.record_moderator_decision(site.id, "c-2", "reject", "mod-sara", reason_code="off_topic")
    service.record_moderator_decision(site.id, "c-3", "reject", "mod-ali")
    service.record_moderator_decision(site.id, "c-4", "reject", "mod-sara", "ادعای بی‌پایه", "other")
    service.record_moderator_decision(site.id, "c-5", "reject", "mod-sara", reason_code="accusation")
    service.record_moderator_decision(other.id, "c-9", "approve", "mod-x")
    with sessions.begin() as session:  # c-1 was decided long ago: --since leaves it out
        session.execute(
            update(Decision)
            .where(Decision.source == "moderator", Decision.actor == "mod-ali", Decision.verdict == "approve")
            .values(created_at=datetime(2026, 1, 5, tzinfo=UTC))
        )
        # c-5's decision was taken back (the review queue's reopen writes this event) and not made again
        c5 = session.scalar(select(Comment).where(Comment.site_id == site.id, Comment.comment_id == "c-5"))
        session.add(
            Event(
                comment_pk=c5.id,  # type: ignore[union-attr]
                kind="reopened",
                from_state="rejected",
                to_state="pending_review",
                actor="mod-ali",
                detail={},
                created_at=datetime.now(UTC) + timedelta(seconds=1),
            )
        )
        session.add(
            FeedbackExample(
                site_id=site.id,
                source="perspective_suggestscore",
                text="تو آدم نفهمی هستی",
                label="reject",
                detail={
                    "attributeScores": {"INSULT": {"summaryScore": {"value": 1.0}}},
                    "communityId": "news-fb-comments",
                    "clientToken": None,
                    "languages": ["fa"],
                },
                article_text="",
                created_at=datetime.now(UTC),
            )
        )

    result = export_feedback(database, site="news-fb")
    records = {r["id"]: r for r in result.records}
    assert set(records) == {
        "news-fb:c-1:r1",
        "news-fb:c-2:r1",
        "news-fb:c-3:r1",
        f"news-fb:perspective_suggestscore:{_example_id(sessions)}",
    }
    assert result.skipped == {"rejected as 'other': no content label": 1, "reopened and not decided again": 1}

    approved = records["news-fb:c-1:r1"]
    assert approved["labels"] == [] and approved["text"] == ACCUSATION and approved["lang"] == "fa"
    assert approved["article_id"] == "news-fb:match-1"
    assert approved["article"]["title"] == SPORT.title
    provenance = approved["feedback"]
    assert provenance["source"] == "moderator" and provenance["site"] == "news-fb"
    assert provenance["moderator"] == "mod-ali" and provenance["verdict"] == "approve"
    assert provenance["note"] == "نقد است، نه اتهام" and provenance["reason_code"] is None
    assert provenance["article_id"] == "match-1" and provenance["comment_id"] == "c-1" and provenance["revision"] == 1
    assert provenance["model_version"] == engine.versions["model"]
    assert provenance["engine_verdict"] == "review"
    assert "accusation" in [r["code"] for r in provenance["engine_reasons"]]
    assert set(provenance["engine_scores"]) >= {"insult", "accusation"}
    assert provenance["decided_at"].startswith("2026-01-05")

    off_topic = records["news-fb:c-2:r1"]
    assert off_topic["labels"] == ["off_topic"]
    assert off_topic["feedback"]["reason_code"] == "off_topic" and off_topic["feedback"]["label_basis"] == "reason_code"

    reply = records["news-fb:c-3:r1"]
    engine_codes = {r["code"] for r in reply["feedback"]["engine_reasons"]}
    assert set(reply["labels"]) == engine_codes & {"insult", "profanity", "spam", "off_topic", "accusation"}
    assert "accusation" in reply["labels"]
    assert reply["feedback"]["label_basis"] == "engine_reasons"
    assert reply["parent_text"] == ACCUSATION and reply["feedback"]["parent_id"] == "c-1"

    outside = next(r for r in result.records if r["feedback"]["source"] == "perspective_suggestscore")
    assert outside["labels"] == ["insult"] and outside["article"] is None
    assert outside["feedback"]["moderator"] == "news-fb-comments"

    recent = export_feedback(database, since=datetime.now(UTC) - timedelta(days=1), site="news-fb")
    assert "news-fb:c-1:r1" not in {r["id"] for r in recent.records}
    assert {r["feedback"]["site"] for r in export_feedback(database).records} == {"news-fb", "other-fb"}
    database.dispose()


def _example_id(sessions) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return int(session.scalar(select(FeedbackExample.id)))


# -- feedback in the corpus: never in dev or test ---------------------------------------------------


def _feedback_file(path: Path, articles: list[str], texts: list[tuple[str, list[str], str]]) -> Path:
    lines = []
    for a, article_id in enumerate(articles):
        for t, (text, labels, verdict) in enumerate(texts):
            lines.append(
                {
                    "id": f"fb:{article_id}:c{t}",
                    "article_id": article_id,
                    "parent_id": None,
                    "text": f"{text} {SUFFIXES[a]}",
                    "labels": labels,
                    "lang": "fa",
                    "article": {
                        "id": article_id,
                        "section": "feedback",
                        "title": SPORT.title,
                        "lead": SPORT.lead,
                        "body": SPORT.body,
                    },
                    "parent_text": None,
                    "feedback": {"source": "moderator", "verdict": verdict, "site": "fb"},
                }
            )
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8")
    return path


SUFFIXES = ["امروز", "دیروز", "این هفته", "در این بازی", "باز هم", "واقعا"]  # one story's comments differ
FEEDBACK_TEXTS = [
    ("مدیرعامل باشگاه پول‌ها رو بالا کشیده و کسی چیزی نمیگه", ["accusation"], "reject"),
    ("داور این بازی رشوه گرفته، همه دیدیم", ["accusation"], "reject"),
    ("کسی می‌دونه یارانه این ماه کی واریز میشه؟", ["off_topic"], "reject"),
    ("مربی تیم اشتباه کرد که بازیکن اصلی رو بیرون گذاشت", [], "approve"),
    ("داوری بازی ضعیف بود ولی نتیجه عادلانه بود", [], "approve"),
]


def _articles_on_both_sides() -> list[str]:
    held = [f"fb:match-{i}" for i in range(200) if feedback_split_of(f"fb:match-{i}") == FEEDBACK_HELD_OUT]
    trained = [f"fb:match-{i}" for i in range(200) if feedback_split_of(f"fb:match-{i}") == "train"]
    return [*held[:2], *trained[:4]]


def test_feedback_is_trained_on_or_held_out_never_dev_or_test(tmp_path: Path) -> None:
    path = _feedback_file(tmp_path / "feedback.jsonl", _articles_on_both_sides(), FEEDBACK_TEXTS)
    corpus = load_corpus(PROJECT_ROOT / "training_data", [path])
    feedback = [c for c in corpus.comments if c.source == "feedback"]
    assert len(feedback) == 30
    assert not [c for c in corpus.split("dev") + corpus.split("test") if c.source == "feedback"]
    assert len(corpus.split(FEEDBACK_HELD_OUT)) == 10
    assert {c.human_verdict for c in feedback} == {"approve", "reject"}
    assert {c.article_id for c in feedback} <= set(corpus.articles)  # articles travel inline


def test_evaluate_scores_a_version_on_the_held_out_feedback(tmp_path: Path) -> None:
    path = _feedback_file(tmp_path / "feedback.jsonl", _articles_on_both_sides(), FEEDBACK_TEXTS)
    out = tmp_path / "report"
    args = ["evaluate", "--split", FEEDBACK_HELD_OUT, "--include-feedback", str(path), "--out", str(out), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["comments"] == 10 and metrics["verdicts"]["gold"] == {"reject": 6, "approve": 4}
    without = runner.invoke(app, ["evaluate", "--split", FEEDBACK_HELD_OUT, "--out", str(out)])
    assert without.exit_code != 0


# -- training on the union (one real training run, ~25 s) ------------------------------------------


@pytest.mark.slow
def test_train_with_feedback_reports_on_held_out_human_reviewed_items(tmp_path: Path) -> None:
    models = tmp_path / "models"
    shutil.copytree(PROJECT_ROOT / "models", models)
    path = _feedback_file(tmp_path / "feedback.jsonl", _articles_on_both_sides(), FEEDBACK_TEXTS)
    reports = tmp_path / "reports"
    aliases_before = json.loads((models / "moderation" / "aliases.json").read_text())
    production = aliases_before["production"]
    fresh = f"v{1 + max(int(p.name[1:]) for p in (models / 'moderation').glob('v*') if p.is_dir())}"
    result = runner.invoke(
        app,
        ["train", "--models", str(models), "--include-feedback", str(path), "--reports", str(reports), "--json"],
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed["version"] == f"moderation@{fresh}" and printed["promoted"] is None
    assert printed["feedback_comments"] == {"trained_on": 20, "held_out": 10}
    manifest = json.loads((models / "moderation" / fresh / "manifest.json").read_text(encoding="utf-8"))
    held_out = manifest["metrics"][FEEDBACK_HELD_OUT]
    assert held_out["comments"] == 10
    assert held_out["verdicts"]["gold"] == {"reject": 6, "approve": 4}  # the moderators' verdicts
    assert manifest["metrics"][f"{FEEDBACK_HELD_OUT}_production"]["model"] == f"moderation@{production}"
    assert json.loads((models / "moderation" / "aliases.json").read_text()) == aliases_before  # not promoted
    report = Path(printed["feedback_report"]).read_text(encoding="utf-8")
    assert "human-reviewed items it did not train on" in report
    assert f"moderation@{production} (production)" in report
    assert (reports / f"moderation-{fresh}-feedback_held_out" / "metrics.json").is_file()


# -- calibration: pure functions ---------------------------------------------------------------------


def test_reject_threshold_is_the_lowest_cut_with_enough_precision() -> None:
    # 30 items scored 0.01 … 0.30; everything from 0.11 up was rejected, one approval at 0.05 and below.
    pairs = [(round(i / 100, 2), i > 10) for i in range(1, 31)]
    assert propose_reject(pairs, 0.98, min_items=20) == (0.11, 1.0, 20)
    # one approval among the top 20 makes 95 %: the cut moves up past it
    pairs[25] = (0.26, False)
    assert propose_reject(pairs, 0.98, min_items=4) == (0.27, 1.0, 4)
    assert propose_reject(pairs, 0.98, min_items=5) == (None, None, 0)  # 4 items above it are too few
    assert propose_reject(pairs, 0.98, min_items=20) == (None, None, 0)
    assert propose_reject(pairs, 0.95, min_items=20) == (0.11, 0.95, 20)


def test_review_threshold_keeps_the_target_recall() -> None:
    scores = [i / 100 for i in range(10, 60)]  # 50 rejections scored 0.10 … 0.59
    assert propose_review(scores, 0.98) == (0.11, 0.98)
    assert propose_review(scores[:5], 0.98) == (None, None)  # too few to say


def _items(n_insult: int, n_clean: int) -> list[Reviewed]:
    """Reviewed items: insults scored 0.50…, rejected for insult; clean ones scored below 0.40, approved."""
    items = [Reviewed({"insult": 0.5 + i / 200, "spam": 0.05}, True, frozenset({"insult"})) for i in range(n_insult)]
    items += [Reviewed({"insult": 0.2 + i / 200, "spam": 0.05}, False, frozenset()) for i in range(n_clean)]
    return items


CURRENT = {"insult": Thresholds(0.16, 0.88), "spam": Thresholds(0.62, 0.62)}


def test_calibrate_proposes_and_measures_automation_and_error() -> None:
    result = calibrate(_items(30, 30), CURRENT, 0.98, 0.98, max_step=None)
    insult = next(c for c in result.categories if c.category == "insult")
    # every item from 0.50 up was rejected for insult: reject from there; 98 % of 30 rejections is all 30,
    # so review may rise to the lowest of them; nothing approved lies above it
    assert insult.proposed == Thresholds(0.5, 0.5) and insult.reject_precision == 1.0 and insult.reject_support == 30
    assert insult.review_recall == 1.0
    spam = next(c for c in result.categories if c.category == "spam")
    assert spam.proposed == spam.current  # no spam rejections: nothing to support a change
    assert result.current.automatic == 0  # every item was in review under the current thresholds
    assert result.proposed.automatic == 60 and result.proposed.errors == 0
    assert result.proposed.automation_rate == 1.0

    mixed = [*_items(30, 30), Reviewed({"insult": 0.6, "spam": 0.05}, False, frozenset())]  # one approval at 0.6
    insult = next(c for c in calibrate(mixed, CURRENT, 0.98, 0.98).categories if c.category == "insult")
    assert insult.proposed.reject == 0.88  # above the approval only 9 items remain, fewer than 20: kept
    insult = next(
        c
        for c in calibrate(mixed, CURRENT, 0.98, 0.98, min_items=5, max_step=None).categories
        if c.category == "insult"
    )
    assert (insult.proposed.reject, insult.reject_support) == (0.605, 9)  # the cut moves above the approval


def test_a_threshold_moves_at_most_max_step_per_run() -> None:
    # the evidence says reject from 0.50 and review from 0.50 (current 0.88 and 0.16)
    insult = next(c for c in calibrate(_items(30, 30), CURRENT, 0.98, 0.98).categories if c.category == "insult")
    assert insult.proposed == Thresholds(0.41, 0.63)  # 0.16 + 0.25, 0.88 - 0.25
    # measured at the capped cuts: the 4 insults scored 0.63 … 0.645 (all rejected); all 30 above 0.41
    assert (insult.reject_precision, insult.reject_support, insult.review_recall) == (1.0, 4, 1.0)
    assert any("reject threshold moved by at most 0.25" in note and "0.5000" in note for note in insult.notes)
    assert any("review threshold moved by at most 0.25" in note for note in insult.notes)
    wide = calibrate(_items(30, 30), CURRENT, 0.98, 0.98, max_step=0.5)
    small = next(c for c in wide.categories if c.category == "insult")
    assert small.proposed == Thresholds(0.5, 0.5) and not small.notes  # within the step: as the evidence says
    with pytest.raises(ValueError, match="maximum step"):
        calibrate(_items(30, 30), CURRENT, 0.98, 0.98, max_step=0)


def test_calibrate_refuses_with_too_few_reviewed_items() -> None:
    result = calibrate(_items(10, 5), CURRENT, 0.98, 0.98)
    assert not result.changed
    assert all("not enough reviewed items (15 < 20)" in c.notes[0] for c in result.categories)


def test_rejections_for_another_category_do_not_move_a_threshold() -> None:
    # all 40 rejected as off-topic: their low spam scores say nothing about spam
    items = [Reviewed({"spam": 0.01 * i, "off_topic": 0.9}, True, frozenset({"off_topic"})) for i in range(40)]
    result = calibrate(items, {"spam": Thresholds(0.62, 0.62)}, 0.98, 0.98)
    assert not result.changed


def test_simulation_counts_both_kinds_of_error() -> None:
    items = [
        Reviewed({"insult": 0.9}, False, frozenset()),  # would be rejected, a human approved
        Reviewed({"insult": 0.01}, True, frozenset({"insult"})),  # would be published, a human rejected
        Reviewed({"insult": 0.01}, False, frozenset(), ("review",)),  # held by a lexicon reason regardless
    ]
    outcome = simulate(items, {"insult": Thresholds(0.5, 0.8)})
    assert (outcome.automatic, outcome.wrongly_rejected, outcome.wrongly_published) == (2, 1, 1)


# -- calibrate command: applies only when confirmed ----------------------------------------------------


def test_calibrate_command_changes_the_policy_only_with_yes(tmp_path: Path, engine: ModerationEngine) -> None:
    url = f"sqlite:///{tmp_path / 'moderation.db'}"
    database, sessions, service = _database(url, engine)
    with sessions.begin() as session:
        site, _, _ = create_site(session, "calib")
    # accusations against officials, some insulting: the moderator rejects as insult those the model
    # scores ≥ 0.5 for insult and approves the rest (what the shipped model sends to review)
    who = ["داور بازی", "مربی تیم", "مدیر باشگاه", "رئیس هیئت", "داور وسط", "کمک داور", "سرپرست تیم", "مدیرعامل"]
    what = ["رشوه گرفته بود", "دروغ میگه", "فاسده"]
    reviewed = 0
    for i, text in enumerate(f"{w} {x}" for w in who for x in what):
        stored = service.moderate(site, ModerationRequest(f"c-{i}", text, "match-1", SPORT))
        if stored.state != "pending_review":
            continue
        reviewed += 1
        insulting = stored.decision["scores"]["insult"] >= 0.5
        verdict, code = ("reject", "insult") if insulting else ("approve", "acceptable")
        service.record_moderator_decision(site.id, f"c-{i}", verdict, "mod-1", reason_code=code)
    assert reviewed >= 10
    env = {"MODERATION_DATABASE_URL": url, "MODERATION_HASH_SALT": SALT.decode()}

    def policy() -> dict:  # type: ignore[type-arg]
        with sessions() as session:
            return dict(session.scalar(select(Site.policy).where(Site.name == "calib")) or {})

    asked = runner.invoke(app, ["calibrate", "--site", "calib", "--min-items", "5", "--json"], env=env)
    assert asked.exit_code == 0, asked.output
    proposal = json.loads(asked.stdout)
    insult = next(c for c in proposal["categories"] if c["category"] == "insult")
    assert insult["changed"] and insult["proposed"]["reject"] < insult["current"]["reject"]
    assert insult["current"]["reject"] - insult["proposed"]["reject"] <= 0.25 + 1e-9  # the default step
    assert proposal["proposed"]["automatic"] > proposal["current"]["automatic"] == 0
    small = runner.invoke(
        app, ["calibrate", "--site", "calib", "--min-items", "5", "--max-step", "0.01", "--json"], env=env
    )
    small_insult = next(c for c in json.loads(small.stdout)["categories"] if c["category"] == "insult")
    assert round(insult["current"]["reject"] - small_insult["proposed"]["reject"], 4) == 0.01
    assert any("moved by at most 0.01" in note for note in small_insult["notes"])
    bad_step = runner.invoke(app, ["calibrate", "--site", "calib", "--max-step", "0"], env=env)
    assert bad_step.exit_code != 0 and "--max-step is positive" in str(bad_step.exception)
    assert "not applied" in asked.stderr
    assert policy() == {}  # nothing changed without --yes

    text = runner.invoke(app, ["calibrate", "--site", "calib", "--min-items", "5"], env=env)
    assert "insult" in text.stdout and "decided automatically" in text.stdout and policy() == {}

    applied = runner.invoke(app, ["calibrate", "--site", "calib", "--min-items", "5", "--yes"], env=env)
    assert applied.exit_code == 0, applied.output
    assert policy()["categories"]["insult"]["reject_at"] == insult["proposed"]["reject"]

    out = tmp_path / "feedback.jsonl"
    exported = runner.invoke(app, ["export-feedback", "--site", "calib", "--out", str(out)], env=env)
    assert exported.exit_code == 0, exported.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == reviewed and {r["feedback"]["moderator"] for r in rows} == {"mod-1"}
    assert json.loads(exported.stderr)["records"] == reviewed
    bad_date = runner.invoke(app, ["export-feedback", "--since", "yesterday"], env=env)
    assert bad_date.exit_code != 0

    refused = runner.invoke(app, ["calibrate", "--site", "calib", "--since", "2099-01-01", "--yes"], env=env)
    assert "not enough reviewed items (0 < 20)" in refused.stdout and "nothing to apply" in refused.stderr

    missing = runner.invoke(app, ["calibrate", "--site", "nowhere"], env=env)
    assert missing.exit_code != 0
    database.dispose()
