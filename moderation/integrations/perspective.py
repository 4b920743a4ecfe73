"""Google Perspective API's `comments:analyze` and `comments:suggestscore`, answered by our engine.

No HTTP here: the routes parse the request into `AnalyzeRequest` / `SuggestRequest` and send back
what these functions return.

Attribute mapping (every score is in [0, 1], type `PROBABILITY`):

| Perspective attribute | our evidence |
|---|---|
| `INSULT` | model head `insult`; the `insult` reason; lexicon words of category insult or slur |
| `PROFANITY` | the `profanity` reason (severe lexicon words); lexicon words of category profanity or sexual |
| `SEXUALLY_EXPLICIT` | lexicon words of category sexual |
| `THREAT` | the `threat` reason (lexicon words of category threat) |
| `IDENTITY_ATTACK` | lexicon words of category slur |
| `TOXICITY` | the highest of INSULT, PROFANITY, THREAT, IDENTITY_ATTACK, SEXUALLY_EXPLICIT |
| `SEVERE_TOXICITY` | the highest score of the insult, profanity and threat reasons that *reject*; else 0 |
| `SPAM` | model head `spam`; the `spam` reason |
| `OFF_TOPIC` (ours) | model head `off_topic`, only when article text was given (`context.entries`) |
| `ACCUSATION` (ours) | model head `accusation`; the `accusation` reason |

A lexicon word counts with the score of the reason that carries it. `NAME_EXPERIMENTAL` is accepted for
each name. Span scores (`spanAnnotations: true`) are the offending words, as code-point offsets into
`comment.text`, not Perspective's sentences.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from moderation.clock import now
from moderation.comments import CommentService, ModerationRequest
from moderation.engine import ArticleText, CommentInput
from moderation.sites import SiteInfo
from moderation.storage.tables import FeedbackExample

HARM_ATTRIBUTES = ("INSULT", "PROFANITY", "THREAT", "IDENTITY_ATTACK", "SEXUALLY_EXPLICIT")
ATTRIBUTES = (
    "TOXICITY",
    "SEVERE_TOXICITY",
    *HARM_ATTRIBUTES,
    "SPAM",
    "OFF_TOPIC",
    "ACCUSATION",
)
# Lexicon categories (moderation/lexicon/data) → the attributes a word of that category raises.
ATTRIBUTES_OF_CATEGORY = {
    "insult": ("INSULT",),
    "slur": ("IDENTITY_ATTACK", "INSULT"),
    "profanity": ("PROFANITY",),
    "sexual": ("SEXUALLY_EXPLICIT", "PROFANITY"),
    "threat": ("THREAT",),
}
# Reason codes → the attributes the reason's own score raises.
ATTRIBUTES_OF_REASON = {
    "insult": ("INSULT",),
    "profanity": ("PROFANITY",),
    "threat": ("THREAT",),
    "spam": ("SPAM",),
    "off_topic": ("OFF_TOPIC",),
    "accusation": ("ACCUSATION",),
}
ATTRIBUTES_OF_HEAD = {"insult": "INSULT", "spam": "SPAM", "off_topic": "OFF_TOPIC", "accusation": "ACCUSATION"}
SEVERE_REASONS = ("insult", "profanity", "threat")
# Request languages we score. "en" too: Coral's Perspective client sends "en" for every locale it
# does not map, Persian included; the comment's real language is detected either way.
SUPPORTED_LANGUAGES = ("fa", "en")
CORAL_STATUS_LABELS = {"APPROVED": "approve", "REJECTED": "reject", "DELETED": "reject"}
SUGGESTION_SOURCE = "perspective_suggestscore"


class PerspectiveError(ValueError):
    """A request Perspective would refuse with 400 INVALID_ARGUMENT; the message says why."""


@dataclass(frozen=True)
class AttributeRequest:
    score_type: str = "PROBABILITY"
    score_threshold: float | None = None


@dataclass(frozen=True)
class AnalyzeRequest:
    text: str
    attributes: dict[str, AttributeRequest]
    languages: tuple[str, ...] = ()
    do_not_store: bool = False
    client_token: str | None = None
    span_annotations: bool = False
    context: tuple[str, ...] = ()


@dataclass(frozen=True)
class SuggestRequest:
    text: str
    scores: dict[str, float]  # attribute → suggested summary score (or the highest span score)
    languages: tuple[str, ...] = ()
    community_id: str | None = None
    client_token: str | None = None
    context: tuple[str, ...] = ()
    attribute_details: dict[str, Any] = field(default_factory=dict)


def canonical(name: str) -> str:
    return name.removesuffix("_EXPERIMENTAL")


def check(request: AnalyzeRequest) -> None:
    """Refuse what Perspective refuses: unknown attributes, score types, unsupported languages."""
    if not request.text.strip():
        raise PerspectiveError("Comment must be non-empty.")
    if not request.attributes:
        raise PerspectiveError("requestedAttributes must name at least one attribute.")
    unknown = sorted(name for name in request.attributes if canonical(name) not in ATTRIBUTES)
    if unknown:
        raise PerspectiveError(
            f"Unknown requested attribute: {', '.join(unknown)}. Supported: {', '.join(ATTRIBUTES)}."
        )
    for name, config in request.attributes.items():
        if config.score_type != "PROBABILITY":
            raise PerspectiveError(f"Attribute {name} does not support score type: {config.score_type}")
    unsupported = [code for code in request.languages if code.lower().split("-")[0] not in SUPPORTED_LANGUAGES]
    if unsupported:
        first = sorted(request.attributes)[0]
        raise PerspectiveError(f"Attribute {first} does not support request languages: {','.join(unsupported)}")


def analysis_id(text: str, context: Iterable[str]) -> str:
    """A stored analysis is a comment with a stable id: the same text under the same context is one comment."""
    digest = hashlib.sha256("\x1f".join([text, *context]).encode("utf-8", "surrogatepass")).hexdigest()
    return "perspective:" + digest[:40]


def analyze(service: CommentService, site: SiteInfo, request: AnalyzeRequest) -> dict[str, Any]:
    """Score a comment; stored like any moderated comment unless `doNotStore`."""
    check(request)
    article = ArticleText(body="\n\n".join(request.context)) if request.context else None
    if request.do_not_store:
        decision = service.evaluate(site, CommentInput(request.text, article)).to_dict()
    else:
        # The context is stored as the article of the comment, under an id derived from it.
        article_id = analysis_id("", request.context).replace("perspective:", "perspective-context:")
        comment = ModerationRequest(analysis_id(request.text, request.context), request.text, article_id, article)
        decision = service.moderate(site, comment).decision
    detected = decision.get("language", {}).get("code") or "und"
    body: dict[str, Any] = {
        "attributeScores": attribute_scores(decision, request.attributes, request.span_annotations),
        "languages": list(request.languages) or [detected],
        "detectedLanguages": [detected],
    }
    if request.client_token is not None:
        body["clientToken"] = request.client_token
    return body


def attribute_scores(
    decision: dict[str, Any], requested: dict[str, AttributeRequest], spans: bool
) -> dict[str, dict[str, Any]]:
    """Perspective's `attributeScores` for one of our decisions (as stored and sent)."""
    summary, span_scores = _evidence(decision)
    out: dict[str, dict[str, Any]] = {}
    for name, config in requested.items():
        attribute = canonical(name)
        value = round(summary.get(attribute, 0.0), 4)
        if config.score_threshold is not None and value < config.score_threshold:
            continue  # Perspective leaves out scores below the requested threshold
        entry: dict[str, Any] = {"summaryScore": {"value": value, "type": "PROBABILITY"}}
        if spans:
            entry["spanScores"] = [
                {"begin": begin, "end": end, "score": {"value": round(score, 4), "type": "PROBABILITY"}}
                for (begin, end), score in sorted(span_scores.get(attribute, {}).items())
            ]
        out[name] = entry
    return out


def _evidence(decision: dict[str, Any]) -> tuple[dict[str, float], dict[str, dict[tuple[int, int], float]]]:
    summary: dict[str, float] = {}
    spans: dict[str, dict[tuple[int, int], float]] = {}

    def raise_to(attribute: str, score: float) -> None:
        summary[attribute] = max(summary.get(attribute, 0.0), float(score))

    def raise_span(attribute: str, begin: int, end: int, score: float) -> None:
        raise_to(attribute, score)
        places = spans.setdefault(attribute, {})
        places[(begin, end)] = max(places.get((begin, end), 0.0), float(score))

    off_topic_skipped = any(str(note).startswith("off_topic skipped") for note in decision.get("notes", []))
    for head, score in decision.get("scores", {}).items():
        attribute = ATTRIBUTES_OF_HEAD.get(head)
        if attribute and not (attribute == "OFF_TOPIC" and off_topic_skipped):
            raise_to(attribute, score)
    for reason in decision.get("reasons", []):
        code, score = reason["code"], float(reason["score"])
        for attribute in ATTRIBUTES_OF_REASON.get(code, ()):
            raise_to(attribute, score)
        severe = code in SEVERE_REASONS and reason["action"] == "reject"
        if severe:
            raise_to("SEVERE_TOXICITY", score)
        for span in reason.get("spans", []):
            if severe:
                raise_span("SEVERE_TOXICITY", span["start"], span["end"], score)
            if span["source"] == "lexicon":
                category = span.get("detail", "").split("|")[1] if "|" in span.get("detail", "") else ""
                for attribute in ATTRIBUTES_OF_CATEGORY.get(category, ()):
                    raise_span(attribute, span["start"], span["end"], score)
            elif span["source"] == "spam":
                raise_span("SPAM", span["start"], span["end"], score)
            elif span["source"].startswith("accusation"):
                raise_span("ACCUSATION", span["start"], span["end"], score)
    summary["TOXICITY"] = max((summary.get(a, 0.0) for a in HARM_ATTRIBUTES), default=0.0)
    for attribute in HARM_ATTRIBUTES:
        for place, score in spans.get(attribute, {}).items():
            toxic = spans.setdefault("TOXICITY", {})
            toxic[place] = max(toxic.get(place, 0.0), score)
    return summary, spans


def suggestion_label(scores: dict[str, float]) -> str:
    """approve or reject from a suggested score: Coral sends 0 for an approved comment and 1 for a rejected one.

    Some Coral versions name the attribute after the comment's status (APPROVED, REJECTED, DELETED);
    the name then decides.
    """
    for name in scores:
        if name.upper() in CORAL_STATUS_LABELS:
            return CORAL_STATUS_LABELS[name.upper()]
    return "reject" if max(scores.values()) >= 0.5 else "approve"


def store_suggestion(service: CommentService, site: SiteInfo, request: SuggestRequest) -> str:
    """Keep a moderator's suggested score as a labelled example for retraining; returns the label."""
    if not request.text.strip():
        raise PerspectiveError("Comment must be non-empty.")
    if not request.scores:
        raise PerspectiveError("attributeScores must hold at least one score.")
    label = suggestion_label(request.scores)
    detail = {
        "attributeScores": request.attribute_details,
        "communityId": request.community_id,
        "clientToken": request.client_token,
        "languages": list(request.languages),
    }
    with service.sessions.begin() as session:
        session.add(
            FeedbackExample(
                site_id=site.id,
                source=SUGGESTION_SOURCE,
                text=request.text,
                label=label,
                detail=detail,
                article_text="\n\n".join(request.context),
                created_at=now(),
            )
        )
    return label
