"""The language gate: Persian, Finglish, or another language."""

from moderation.language.finglish import FinglishScore, score_finglish
from moderation.language.gate import FINGLISH, PERSIAN, UNDETERMINED, LanguageGate, LanguageResult

__all__ = ["FINGLISH", "PERSIAN", "UNDETERMINED", "FinglishScore", "LanguageGate", "LanguageResult", "score_finglish"]
