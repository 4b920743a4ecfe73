"""What the engine is asked to judge: a comment, the article it is under, the comment it answers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ArticleText:
    title: str = ""
    lead: str = ""
    body: str = ""

    @property
    def full(self) -> str:
        return "\n".join(part for part in (self.title, self.lead, self.body) if part)

    @property
    def headline(self) -> str:
        return "\n".join(part for part in (self.title, self.lead) if part)

    @property
    def is_empty(self) -> bool:
        return not (self.title.strip() or self.lead.strip() or self.body.strip())


@dataclass(frozen=True, slots=True)
class CommentInput:
    text: str
    article: ArticleText | None = None
    parent_text: str | None = None
