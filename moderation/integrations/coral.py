"""Coral Talk's external moderation phase, spoken by this service (no HTTP here: the route is an adapter).

Coral POSTs every new or edited comment to the phase's URL, signed with the phase's signing secret:
`X-Coral-Signature: sha256=<hex>[,sha256=<hex>]` (HMAC-SHA256 of the raw body; two values while a secret
is being rotated). It waits (800 ms by default) for `204` (no opinion) or `200` with a phase result.

Mapping (ours → Coral):

| our verdict | Coral `status` | `actions` |
|---|---|---|
| approve | `APPROVED` | none |
| reject | `REJECTED` | one `FLAG` per Coral reason of the decision's reasons |
| review | `PREMOD` | one `FLAG` per Coral reason (at least one) |

| our reason code | Coral flag reason |
|---|---|
| insult, profanity, threat, accusation | `COMMENT_DETECTED_TOXIC` |
| spam, off_topic, non_persian, finglish, degraded | `COMMENT_DETECTED_SPAM` (the closest Coral has) |

Each flag's `additionalDetails` names our reason codes behind it.

Comments by `STAFF`, `MODERATOR` and `ADMIN` are not moderated (204).

Coral sends no comment id, so the comment is stored under a derived, stable id: `coral:` + the first
40 hex digits of SHA-256 over tenant, Coral site, story, author, parent and body. A repeated request
is answered from the stored decision; an edit (new body) is a new comment.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.clock import now
from moderation.sites import SiteError, SiteInfo
from moderation.sites.registry import get_site
from moderation.storage.tables import CoralLink, Site

SIGNATURE_HEADER = "X-Coral-Signature"
UNMODERATED_ROLES = frozenset({"STAFF", "MODERATOR", "ADMIN"})
STATUS_OF_VERDICT = {"approve": "APPROVED", "reject": "REJECTED", "review": "PREMOD"}
TOXIC, SPAM = "COMMENT_DETECTED_TOXIC", "COMMENT_DETECTED_SPAM"
FLAG_REASON_OF_CODE = {
    "insult": TOXIC,
    "profanity": TOXIC,
    "threat": TOXIC,
    "accusation": TOXIC,
    "spam": SPAM,
    "off_topic": SPAM,
    "non_persian": SPAM,
    "finglish": SPAM,
    "degraded": SPAM,
}
# A site's own ids as the HTTP API accepts them; Coral's story ids (UUIDs) fit.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,200}$")
# One `sha256=<64 hex>` value of the signature header.
_SIGNATURE = re.compile(r"^sha256=([0-9a-fA-F]{64})$")
MAX_SIGNATURE_HEADER = 2_000


@dataclass(frozen=True)
class LinkInfo:
    tenant_id: str
    coral_site_id: str
    site: SiteInfo
    secrets: tuple[str, ...]  # the current secret first, then the one being rotated out


@dataclass(frozen=True)
class PhaseInput:
    """The fields of Coral's request that decide the outcome."""

    action: str
    body: str
    parent_id: str | None
    author_id: str
    author_role: str
    story_id: str
    story_url: str
    coral_site_id: str
    tenant_id: str


# -- signatures ------------------------------------------------------------------


def sign(secret: str, raw_body: bytes) -> str:
    """One header value as Coral writes it."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()


def verify_signature(raw_body: bytes, header: str | None, secrets_: Sequence[str]) -> bool:
    """True when any `sha256=` value of the header is the HMAC of the body with any of the secrets.

    Every pair is compared in constant time and no comparison stops early, so timing tells nothing.
    """
    if not header or len(header) > MAX_SIGNATURE_HEADER or not secrets_:
        return False
    given = []
    for part in header.split(","):
        match = _SIGNATURE.match(part.strip())
        if match:
            given.append(match.group(1).lower().encode())
    expected = [hmac.new(s.encode("utf-8"), raw_body, hashlib.sha256).hexdigest().encode() for s in secrets_ if s]
    found = False
    for signature in given[:10]:
        for candidate in expected:
            found |= hmac.compare_digest(signature, candidate)
    return found


# -- links -------------------------------------------------------------------------


def link(
    session: Session, tenant_id: str, coral_site_id: str, site_name: str, secret: str | None
) -> tuple[LinkInfo, bool]:
    """Link a Coral tenant's site to our site `site_name`, or update the link.

    A new `secret` becomes the current one and the old current one stays valid as the previous one
    (Coral signs with both while it rotates). Returns the link and whether it was created.
    """
    tenant_id, coral_site_id = tenant_id.strip(), coral_site_id.strip()
    if not tenant_id or not coral_site_id or len(tenant_id) > 200 or len(coral_site_id) > 200:
        raise SiteError("a Coral tenant id and site id are 1 to 200 characters")
    if secret is not None and not 16 <= len(secret.strip()) <= 200:
        raise SiteError("a signing secret is 16 to 200 characters (copy it from Coral's phase settings)")
    site = get_site(session, site_name)
    row = session.scalar(
        select(CoralLink).where(CoralLink.tenant_id == tenant_id, CoralLink.coral_site_id == coral_site_id)
    )
    moment = now()
    created = row is None
    if row is None:
        if secret is None:
            raise SiteError("a new link needs the phase's signing secret (--secret, from Coral's admin)")
        row = CoralLink(
            tenant_id=tenant_id,
            coral_site_id=coral_site_id,
            site_id=site.id,
            signing_secret=secret.strip(),
            previous_secret=None,
            created_at=moment,
            updated_at=moment,
        )
        session.add(row)
    else:
        row.site_id = site.id
        if secret is not None and secret.strip() != row.signing_secret:
            row.previous_secret, row.signing_secret = row.signing_secret, secret.strip()
        row.updated_at = moment
    session.flush()
    return _info(row, site), created


def drop_previous_secret(session: Session, tenant_id: str, coral_site_id: str) -> None:
    """End a rotation: only the current secret is accepted from now on."""
    row = session.scalar(
        select(CoralLink).where(CoralLink.tenant_id == tenant_id, CoralLink.coral_site_id == coral_site_id)
    )
    if row is None:
        raise SiteError(f"no link for Coral tenant '{tenant_id}' site '{coral_site_id}'")
    row.previous_secret, row.updated_at = None, now()


def find_link(session: Session, tenant_id: str, coral_site_id: str) -> LinkInfo | None:
    """The link of a Coral tenant's site, if any and if its site is enabled."""
    found = session.execute(
        select(CoralLink, Site)
        .join(Site, Site.id == CoralLink.site_id)
        .where(CoralLink.tenant_id == tenant_id, CoralLink.coral_site_id == coral_site_id)
    ).first()
    if found is None or found[1].disabled:
        return None
    return _info(found[0], found[1])


def new_secret() -> str:
    """A secret for tests and for sites that configure Coral from a script."""
    return "ems_" + secrets.token_hex(32)


def _info(row: CoralLink, site: Site) -> LinkInfo:
    secrets_ = tuple(s for s in (row.signing_secret, row.previous_secret) if s)
    return LinkInfo(row.tenant_id, row.coral_site_id, SiteInfo.of(site), secrets_)


# -- the request and the answer ----------------------------------------------------


def is_moderated(phase: PhaseInput) -> bool:
    """Staff, moderators and admins write without moderation, as in Coral's own pre-moderation."""
    return phase.author_role.upper() not in UNMODERATED_ROLES


def comment_id(phase: PhaseInput) -> str:
    """A stable id for a comment Coral does not name: same request → same id (replay is idempotent)."""
    parts = (phase.tenant_id, phase.coral_site_id, phase.story_id, phase.author_id, phase.parent_id or "", phase.body)
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return "coral:" + digest[:40]


def article_id(phase: PhaseInput) -> str:
    """Coral's story id is the article id under which the site registers the article with us."""
    if _SAFE_ID.match(phase.story_id):
        return phase.story_id
    return "coral-story:" + hashlib.sha256(phase.story_id.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def parent_id(phase: PhaseInput) -> str | None:
    if phase.parent_id and _SAFE_ID.match(phase.parent_id):
        return phase.parent_id
    return None


def phase_result(decision: dict[str, Any], comment_id_: str, article_id_: str) -> dict[str, Any]:
    """Coral's phase result for one of our decisions (a stored decision as the API shows it)."""
    verdict = decision["verdict"]
    reasons = decision.get("reasons", [])
    actions = []
    if verdict in ("reject", "review"):
        actions = [
            {"actionType": "FLAG", "reason": flag, "additionalDetails": details} for flag, details in _flags(reasons)
        ]
        if not actions:  # e.g. review for an undetermined language: still say why it is held
            actions = [{"actionType": "FLAG", "reason": SPAM, "additionalDetails": "review"}]
    notes = list(decision.get("notes", []))
    if any(str(note).startswith("off_topic skipped") for note in notes):
        # The engine had no article text: tell the site where it should have been registered.
        notes.append(f"no article text registered under the story id '{article_id_}' (PUT /v1/articles/{article_id_})")
    return {
        "status": STATUS_OF_VERDICT[verdict],
        "actions": actions,
        "tags": [],
        "metadata": {
            "persianModeration": {
                "commentId": comment_id_,
                "articleId": article_id_,
                "verdict": verdict,
                "reasons": [r["code"] for r in reasons],
                "message": decision.get("message", ""),
                "notes": notes,
                "model": decision.get("versions", {}).get("model"),
            }
        },
    }


def _flags(reasons: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    """One flag per Coral reason, its details naming our codes in order."""
    codes: dict[str, list[str]] = {}
    for reason in reasons:
        flag = FLAG_REASON_OF_CODE.get(reason["code"], SPAM)
        codes.setdefault(flag, []).append(reason["code"])
    return [(flag, ",".join(names)) for flag, names in codes.items()]
