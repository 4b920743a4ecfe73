"""The team's lexicon (insult, profanity, sexual, slur, threat) and spam signals."""

from moderation.lexicon.matcher import Lexicon, LexiconEntry, LexiconMatch
from moderation.lexicon.spam_signals import SpamSignal, spam_signals

__all__ = ["Lexicon", "LexiconEntry", "LexiconMatch", "SpamSignal", "spam_signals"]
