"""hazm's spacing rules over compact word sets: the same answers, without building `hazm.Normalizer`.

`hazm.Normalizer()` builds a `WordTokenizer` (hazm's 193k-word lexicon, each
word with its POS tuple) and a `Lemmatizer` that conjugates every verb (346k
forms), and keeps both: about 2.8 s and 140 MB per process. Its spacing steps
only ask three questions:

* is this ZWNJ-joined pair a lexicon word with a frequency above 0 (join it)?
* is this word in the lexicon at all (a suffix may join it)?
* is this ZWNJ-joined pair a verb form (join it; separate the می of it)?

The verb forms asked about always hold a ZWNJ or `_`; those are generated from
hazm's own `Lemmatizer` by `python -m moderation.text.spacing` and shipped
compressed (`data/hazm_verb_forms.txt.xz`, ~0.4 MB, headed by the hazm
version). The three word sets are derived from hazm's `words.dat` by the same
command and shipped as `data/hazm_words.txt.gz` (reading them takes 0.08 s,
parsing `words.dat` line by line 0.4 s of every start-up). With another hazm
version installed, both are derived at start-up instead.
`tests/test_spacing.py` checks the file against hazm and every function against
its hazm counterpart.
"""

from __future__ import annotations

import gzip
import logging
import lzma
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from moderation.text.hazm_parts import SUFFIXES, WORDS_FILE

log = logging.getLogger(__name__)

ZWNJ = "\u200c"
VERB_FORMS = Path(__file__).parent / "data" / "hazm_verb_forms.txt.xz"
WORD_SETS = Path(__file__).parent / "data" / "hazm_words.txt.gz"
_SECTION = "\f"  # between the word sets in WORD_SETS (no word holds a form feed)

# hazm's WordTokenizer: punctuation, digit runs and brackets become tokens of their own
_TOKEN_RE = re.compile(r'([؟!?]+|[\d.:]+|[:.،؛»\])}"«\[({/\\])')
# hazm's seperate_mi: a word starting with می or نمی
_MI_WORD_RE = re.compile(r"\bن?می[آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی]+")
# the prefix itself, to put a ZWNJ after it
_MI_PREFIX_RE = re.compile(r"^(ن?می)")


@dataclass(frozen=True)
class SpacingLexicon:
    """What hazm's spacing reads, as sets: every lexicon word, joinable ZWNJ words, ZWNJ verb forms."""

    words: frozenset[str]  # every word of hazm's lexicon
    joinable: frozenset[str]  # words with a ZWNJ whose (last listed) frequency is above 0
    verb_forms: frozenset[str]  # conjugated verb forms holding a ZWNJ or "_"
    frequent: frozenset[str]  # words listed at least once with a frequency above 0 (the language gate's)

    @classmethod
    def load(cls) -> SpacingLexicon:
        words, joinable, frequent = _word_sets()
        return cls(words, joinable, _verb_forms(), frequent)


_shared: SpacingLexicon | None = None
_shared_lock = threading.Lock()


def shared_lexicon() -> SpacingLexicon:
    """One `SpacingLexicon` per process (built on first use, under a lock so threads never build it twice)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SpacingLexicon.load()
        return _shared


def _read_words(path: Path) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """hazm's `words_list` without the POS tuples: the lexicon, as `WordTokenizer.words` keys it."""
    last_frequency: dict[str, bool] = {}
    frequent = set()
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            item = line.strip().split("\t")
            if len(item) != 3:
                continue
            word, positive = item[0], int(item[1]) > 0
            last_frequency[word] = positive  # a dict keeps the last entry, as WordTokenizer's does
            if positive:
                frequent.add(word)
    joinable = frozenset(w for w, positive in last_frequency.items() if positive and ZWNJ in w)
    return frozenset(last_frequency), joinable, frozenset(frequent)


def _shipped(path: Path, decompress: Callable[[bytes], bytes]) -> str | None:
    """The text of a file derived from hazm and shipped, or None if it was derived from another hazm version."""
    installed = f"hazm {version('hazm')}"
    try:
        header, _, body = decompress(path.read_bytes()).decode("utf-8").partition("\n")
    except OSError:
        header, body = "", ""
    if header != installed:
        log.warning("%s was derived from %r, not %r: deriving it now", path.name, header, installed)
        return None
    return body


def _word_sets() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    body = _shipped(WORD_SETS, gzip.decompress)
    if body is None:
        return _read_words(WORDS_FILE)
    words, joinable, frequent = (frozenset(section.split("\n")) for section in body.split(_SECTION))
    return words, joinable, frequent


def write_word_sets(path: Path = WORD_SETS) -> None:
    """Derive the shipped word sets from the installed hazm's word list."""
    sections = ("\n".join(sorted(words)) for words in _read_words(WORDS_FILE))
    text = f"hazm {version('hazm')}\n" + _SECTION.join(sections)
    path.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))


def generate_verb_forms() -> list[str]:
    """The verb forms hazm's Normalizer checks (those with a ZWNJ or "_"), from hazm's Lemmatizer; slow (~2 s)."""
    from hazm import Lemmatizer

    forms = Lemmatizer(joined_verb_parts=False).verbs
    return sorted(form for form in forms if ZWNJ in form or "_" in form)


def _verb_forms() -> frozenset[str]:
    body = _shipped(VERB_FORMS, lzma.decompress)
    return frozenset(generate_verb_forms() if body is None else body.split("\n"))


def write_verb_forms(path: Path = VERB_FORMS) -> None:
    """Regenerate the shipped verb forms for the installed hazm."""
    text = f"hazm {version('hazm')}\n" + "\n".join(generate_verb_forms())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(lzma.compress(text.encode("utf-8"), preset=9))


def tokenize(line: str) -> list[str]:
    """hazm's `WordTokenizer(join_verb_parts=False).tokenize`."""
    spaced = _TOKEN_RE.sub(r" \1 ", line.replace("\n", " ").replace("\t", " "))
    return [word for word in spaced.split(" ") if word]


def token_spacing(tokens: list[str], lexicon: SpacingLexicon) -> list[str]:
    """hazm's `Normalizer.token_spacing`: ['کتاب', 'ها'] → ['کتاب‌ها'], ['او', 'می', 'رود'] → ['او', 'می‌رود']."""
    verbs, joinable, words = lexicon.verb_forms, lexicon.joinable, lexicon.words
    result: list[str] = []
    for t, token in enumerate(tokens):
        joined = False
        if result:
            token_pair = result[-1] + ZWNJ + token
            if token_pair in verbs or token_pair in joinable:
                joined = not (t < len(tokens) - 1 and token + "_" + tokens[t + 1] in verbs)
            elif token in SUFFIXES and result[-1] in words:
                joined = True
        if joined:
            result[-1] = token_pair
        else:
            result.append(token)
    return result


def separate_mi(text: str, lexicon: SpacingLexicon) -> str:
    """hazm's `Normalizer.seperate_mi`: نمیدانم → نمی‌دانم when that is a verb form; میز stays."""
    verbs = lexicon.verb_forms

    def replace(match: re.Match[str]) -> str:
        word = match.group(0)
        separated = _MI_PREFIX_RE.sub("\\1" + ZWNJ, word)
        return separated if separated in verbs else word

    return _MI_WORD_RE.sub(replace, text)


if __name__ == "__main__":
    write_verb_forms()
    write_word_sets()
    print(f"wrote {VERB_FORMS} and {WORD_SETS}")
