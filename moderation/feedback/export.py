"""Human decisions as training labels with their provenance, in the `training_data/` comment format.

Each record is a `training_data/comments/*.jsonl` row (id, article_id, parent_id, text, labels,
lang) plus what training needs that `training_data/` cannot hold (the site's article inline, the
parent's text) and a `feedback` object saying where the label came from: site, article, comment,
revision, moderator, time, verdict, reason code, and the model version, verdict, reasons and scores
of the engine decision the moderator was shown. `training_data/README.md` explains how labels are
derived and where they fall short.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, aliased

from moderation.clock import aware
from moderation.corpus.dataset import LANGUAGES
from moderation.storage.tables import Article, Comment, Decision, Event, FeedbackExample, Revision, Site

# A moderator's or the engine's reason code → the training label it stands for.
CODE_LABELS = {
    "insult": "insult",
    "profanity": "profanity",
    "threat": "insult",  # the insult head covers threats (the labelling guide has no threat label)
    "spam": "spam",
    "off_topic": "off_topic",
    "accusation": "accusation",
}
# Reject reasons that name no content label: the comment is left out rather than guessed.
NO_CONTENT_LABEL = frozenset({"non_persian", "finglish", "other"})

# Outside feedback (a Perspective client's suggested scores): attribute → our label. TOXICITY and
# SEVERE_TOXICITY name no category: Coral sends TOXICITY 1 for *any* rejected comment (spam,
# off-topic …), so they say "rejected", not why, and give no label.
PERSPECTIVE_LABELS = {
    "INSULT": "insult",
    "IDENTITY_ATTACK": "insult",
    "THREAT": "insult",
    "ATTACK_ON_AUTHOR": "insult",
    "ATTACK_ON_COMMENTER": "insult",
    "PROFANITY": "profanity",
    "SEXUALLY_EXPLICIT": "profanity",
    "OBSCENE": "profanity",
    "SPAM": "spam",
    "OFF_TOPIC": "off_topic",
    "ACCUSATION": "accusation",
}
_CHUNK = 500


@dataclass
class ExportResult:
    records: list[dict[str, Any]]
    skipped: Counter[str] = field(default_factory=Counter)

    def summary(self) -> dict[str, Any]:
        verdicts = Counter(r["feedback"]["verdict"] for r in self.records)
        labels = Counter(label for r in self.records for label in r["labels"])
        sources = Counter(r["feedback"]["source"] for r in self.records)
        return {
            "records": len(self.records),
            "verdicts": dict(sorted(verdicts.items())),
            "labels": dict(sorted(labels.items())),
            "sources": dict(sorted(sources.items())),
            "skipped": dict(sorted(self.skipped.items())),
        }


def derive_labels(verdict: str, reason_code: str | None, engine_codes: Iterable[str]) -> tuple[list[str] | None, str]:
    """Training labels for a human verdict, and what they rest on; None when no label can be trusted.

    An approval is publishable: no label at all (a negative for every category, the flagged ones included).
    A rejection with a content reason code is that label; without a code it is every content category the
    engine flagged (the moderator agreed something was wrong, not which of them)."""
    if verdict == "approve":
        return [], "approved"
    if verdict != "reject":
        return None, f"verdict '{verdict}'"
    if reason_code:
        if reason_code in CODE_LABELS:
            return [CODE_LABELS[reason_code]], "reason_code"
        return None, f"rejected as '{reason_code}': no content label"
    flagged = sorted({CODE_LABELS[c] for c in engine_codes if c in CODE_LABELS})
    if not flagged:
        return None, "rejected without a reason code, and the engine flagged no content category"
    return flagged, "engine_reasons"


def moderator_reason_code(decision: Decision) -> str | None:
    """The reason code a moderator gave: in the decision's reasons, or a `reason:<code>` note."""
    for reason in decision.reasons or []:
        if isinstance(reason, dict) and reason.get("code"):
            return str(reason["code"])
    for note in decision.notes or []:
        if isinstance(note, str) and note.startswith("reason:"):
            return note.removeprefix("reason:").strip() or None
    return None


def export_feedback(
    database: Engine, since: datetime | None = None, site: str | None = None, *, for_calibration: bool = False
) -> ExportResult:
    """Every human decision (and outside label) since `since` for `site` (or all sites), as records.

    `for_calibration` keeps every moderator decision, also those without a trustworthy label
    (`"labels": null`): calibration needs each human verdict, not only the labelled ones, and
    no outside labels (they have no engine scores)."""
    result = ExportResult([])
    with Session(database) as session:
        _moderator_records(session, since, site, result, for_calibration)
        if not for_calibration:
            _outside_records(session, since, site, result)
    result.records.sort(key=lambda r: (r["feedback"]["decided_at"], r["id"]))
    return result


def write_records(records: Sequence[dict[str, Any]], out: TextIO) -> None:
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")


def read_records(path: Path) -> list[dict[str, Any]]:
    """Records of a feedback file (for calibration from a file instead of the database)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# -- queries -----------------------------------------------------------------


def _moderator_records(
    session: Session, since: datetime | None, site: str | None, result: ExportResult, keep_unlabelled: bool
) -> None:
    human = aliased(Decision)
    statement = (
        select(human, Revision, Comment, Site.name)
        .join(Revision, Revision.id == human.revision_pk)
        .join(Comment, Comment.id == Revision.comment_pk)
        .join(Site, Site.id == Comment.site_id)
        .where(human.source == "moderator")
        .order_by(human.created_at, human.id)
    )
    if since is not None:
        statement = statement.where(human.created_at >= since.astimezone(UTC))
    if site is not None:
        statement = statement.where(Site.name == site)
    rows = session.execute(statement).all()
    engine_of = _engine_decisions(session, [(r[0].id, r[1].id) for r in rows])
    articles = _articles(session, {(r[2].site_id, r[2].article_id) for r in rows})
    reopened = _last_reopened(session, {r[2].id for r in rows})
    parents: dict[tuple[int, str], str | None] = {}
    by_id: dict[str, tuple[dict[str, Any], int, datetime]] = {}
    for decision, revision, comment, site_name in rows:
        engine = engine_of.get(decision.id)
        engine_codes = [str(r.get("code")) for r in (engine.reasons if engine else []) if isinstance(r, dict)]
        reason_code = moderator_reason_code(decision)
        labels, basis = derive_labels(decision.verdict, reason_code, engine_codes)
        lang = str((engine.language or {}).get("code", "fa")) if engine else "fa"
        if labels is not None and lang not in LANGUAGES:
            labels, basis = None, f"language '{lang}' is not one we label"
        if labels is None:
            result.skipped[basis] += 1
            if not keep_unlabelled:
                continue
        article = articles.get((comment.site_id, comment.article_id))
        parent_text = None
        if comment.parent_id:
            key = (comment.site_id, comment.parent_id)
            if key not in parents:
                parents[key] = _latest_text(session, *key)
            parent_text = parents[key]
        article_key = f"{site_name}:{comment.article_id}"
        record_id = f"{site_name}:{comment.comment_id}:r{revision.number}"
        record = {
            "id": record_id,
            "article_id": article_key,
            "parent_id": None,  # the parent is rarely in the file; its text travels in parent_text
            "text": revision.text,
            "labels": labels,
            "lang": lang,
            "article": (
                {
                    "id": article_key,
                    "section": "feedback",
                    "title": article.title,
                    "lead": article.lead,
                    "body": article.body,
                }
                if article is not None
                else None
            ),
            "parent_text": parent_text,
            "feedback": {
                "source": "moderator",
                "site": site_name,
                "article_id": comment.article_id,
                "comment_id": comment.comment_id,
                "parent_id": comment.parent_id,
                "revision": revision.number,
                "verdict": decision.verdict,
                "reason_code": reason_code,
                "note": " ".join(n for n in decision.notes or [] if isinstance(n, str) and not n.startswith("reason:")),
                "moderator": decision.actor,
                "decided_at": aware(decision.created_at).isoformat(),
                "label_basis": basis,
                "model_version": (engine.versions or {}).get("model") if engine else None,
                "engine_verdict": engine.verdict if engine else None,
                "engine_reasons": [
                    {k: r.get(k) for k in ("code", "action", "score", "threshold")}
                    for r in (engine.reasons if engine else [])
                    if isinstance(r, dict)
                ],
                "engine_scores": dict(engine.scores or {}) if engine else {},
                "engine_decided_at": aware(engine.created_at).isoformat() if engine else None,
            },
        }
        # A later decision on the same revision (after a reopen) replaces the earlier one.
        by_id[record_id] = (record, comment.id, aware(decision.created_at))
    for record, comment_pk, decided_at in by_id.values():
        if comment_pk in reopened and reopened[comment_pk] > decided_at:
            # The moderator took the decision back and has not decided again: it is no label.
            result.skipped["reopened and not decided again"] += 1
            continue
        result.records.append(record)


def _engine_decisions(session: Session, pairs: list[tuple[int, int]]) -> dict[int, Decision]:
    """For each (moderator decision id, revision id): the engine's last decision on that revision before it."""
    revisions = sorted({revision for _, revision in pairs})
    by_revision: dict[int, list[Decision]] = {}
    for start in range(0, len(revisions), _CHUNK):
        chunk = revisions[start : start + _CHUNK]
        for row in session.scalars(
            select(Decision).where(Decision.revision_pk.in_(chunk), Decision.source == "engine").order_by(Decision.id)
        ):
            by_revision.setdefault(row.revision_pk, []).append(row)
    found = {}
    for human_id, revision in pairs:
        earlier = [d for d in by_revision.get(revision, []) if d.id < human_id]
        if earlier:
            found[human_id] = earlier[-1]
    return found


def _last_reopened(session: Session, comment_pks: set[int]) -> dict[int, datetime]:
    """When each comment was last reopened (its decision taken back), if it was."""
    found: dict[int, datetime] = {}
    ordered = sorted(comment_pks)
    for start in range(0, len(ordered), _CHUNK):
        for comment_pk, moment in session.execute(
            select(Event.comment_pk, func.max(Event.created_at))
            .where(Event.kind == "reopened", Event.comment_pk.in_(ordered[start : start + _CHUNK]))
            .group_by(Event.comment_pk)
        ):
            found[comment_pk] = aware(moment)
    return found


def _articles(session: Session, keys: set[tuple[int, str]]) -> dict[tuple[int, str], Article]:
    found: dict[tuple[int, str], Article] = {}
    by_site: dict[int, list[str]] = {}
    for site_id, article_id in keys:
        by_site.setdefault(site_id, []).append(article_id)
    for site_id, ids in by_site.items():
        for start in range(0, len(ids), _CHUNK):
            for row in session.scalars(
                select(Article).where(Article.site_id == site_id, Article.article_id.in_(ids[start : start + _CHUNK]))
            ):
                found[(site_id, row.article_id)] = row
    return found


def _latest_text(session: Session, site_id: int, comment_id: str) -> str | None:
    return session.scalar(
        select(Revision.text)
        .join(Comment, Comment.id == Revision.comment_pk)
        .where(Comment.site_id == site_id, Comment.comment_id == comment_id)
        .order_by(Revision.number.desc())
        .limit(1)
    )


def _outside_records(session: Session, since: datetime | None, site: str | None, result: ExportResult) -> None:
    statement = (
        select(FeedbackExample, Site.name)
        .join(Site, Site.id == FeedbackExample.site_id)
        .order_by(FeedbackExample.created_at, FeedbackExample.id)
    )
    if since is not None:
        statement = statement.where(FeedbackExample.created_at >= since.astimezone(UTC))
    if site is not None:
        statement = statement.where(Site.name == site)
    for example, site_name in session.execute(statement).all():
        detail = dict(example.detail or {})
        labels, basis = outside_labels(example.label, detail)
        if labels is None:
            result.skipped[f"{example.source}: {basis}"] += 1
            continue
        languages = detail.get("languages") or ["fa"]
        lang = str(languages[0]) if isinstance(languages, list) and languages else "fa"
        if lang not in LANGUAGES:
            result.skipped[f"{example.source}: language '{lang}' is not one we label"] += 1
            continue
        record_id = f"{site_name}:{example.source}:{example.id}"
        if example.article_text.strip():
            # Outside labels carry the article's text, not its id: the text's hash keeps one story together.
            digest = hashlib.sha256(example.article_text.encode("utf-8")).hexdigest()[:16]
            article_key = f"{site_name}:{example.source}-article:{digest}"
            article: dict[str, Any] | None = {
                "id": article_key,
                "section": "feedback",
                "title": "",
                "lead": "",
                "body": example.article_text,
            }
        else:
            article_key, article = record_id, None
        result.records.append(
            {
                "id": record_id,
                "article_id": article_key,
                "parent_id": None,
                "text": example.text,
                "labels": labels,
                "lang": lang,
                "article": article,
                "parent_text": None,
                "feedback": {
                    "source": example.source,
                    "site": site_name,
                    "article_id": None,
                    "comment_id": detail.get("comment_id"),
                    "parent_id": None,
                    "revision": None,
                    "verdict": example.label,
                    "reason_code": None,
                    "note": "",
                    "moderator": detail.get("communityId") or detail.get("clientToken") or example.source,
                    "decided_at": aware(example.created_at).isoformat(),
                    "label_basis": basis,
                    "model_version": None,
                    "engine_verdict": None,
                    "engine_reasons": [],
                    "engine_scores": {},
                    "engine_decided_at": None,
                    "attributes": detail.get("attributeScores") or detail.get("attributes"),
                },
            }
        )


def outside_labels(label: str, detail: dict[str, Any]) -> tuple[list[str] | None, str]:
    """Labels of an outside example: approve → none; reject → the labels of its attributes scored ≥ 0.5
    (a rejection named only by TOXICITY or by Coral's status, REJECTED, is left out: no category)."""
    if label == "approve":
        return [], "approved"
    if label != "reject":
        return None, f"label '{label}'"
    # The Perspective route keeps the request's attributeScores ({NAME: {"summaryScore": {"value": x}}}).
    attributes = detail.get("attributeScores") or detail.get("attributes") or {}
    named: list[str] = []
    if isinstance(attributes, dict):
        for name, value in attributes.items():
            score = _attribute_score(value)
            if score is None or score >= 0.5:
                named.append(str(name))
    elif isinstance(attributes, list):
        named = [str(name) for name in attributes]
    named = [n.upper().removesuffix("_EXPERIMENTAL") for n in named]
    labels = sorted({PERSPECTIVE_LABELS[n] for n in named if n in PERSPECTIVE_LABELS})
    if not labels:
        return None, "rejected, no attribute we label"
    return labels, "attributes"


def _attribute_score(value: Any) -> float | None:
    """A suggested score: a number, or Perspective's {"summaryScore": {"value": x}}."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict):
        summary = value.get("summaryScore", value)
        if isinstance(summary, dict) and isinstance(summary.get("value"), int | float):
            return float(summary["value"])
    return None
