"""Text normalisation, tokenising and fuzzy matching for the builtin agent.

Shoppers write in five languages, often with typos, missing accents and mixed scripts. Every
text the builtin agent compares (messages, lexicon phrases, product names, policy pages) goes
through :func:`normalise` and :func:`tokens`, so the comparison is made on the same footing:

- Unicode NFKC and casefold (full-width letters and digits become ASCII, ``ß`` -> ``ss``);
- accents and diacritics removed from Latin text (``envío`` == ``envio``);
- Arabic: tashkeel and tatweel removed, alef forms -> bare alef, alef maqsura -> ya,
  ta marbuta -> ha, Arabic-Indic digits -> Latin digits;
- Chinese has no spaces: runs of Han characters become character unigrams and bigrams.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_MAP = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ؤ": "و",
        "ئ": "ي",
        "؟": "?",
        "،": ",",
        "؛": ";",
    }
)
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RUN = re.compile(f"[{_HAN}]+")
_WORD = re.compile(rf"[{_HAN}]+|[^\W_{_HAN}]+", re.UNICODE)
_HAS_HAN = re.compile(f"[{_HAN}]")


def _fold_char(char: str) -> str:
    if unicodedata.category(char) == "Nd":
        return str(unicodedata.digit(char, 0))
    return char


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """Comparable form of ``text`` (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_MAP)
    # Strip combining marks from Latin letters only (keeps CJK and Arabic letters intact).
    decomposed = unicodedata.normalize("NFD", text)
    text = "".join(_fold_char(char) for char in decomposed if unicodedata.category(char) != "Mn")
    return unicodedata.normalize("NFC", text)


def has_han(text: str) -> bool:
    return bool(_HAS_HAN.search(text))


_ARABIC_PREFIXES = ("وال", "بال", "فال", "لل", "ال", "و", "ب", "ل")
_ARABIC_SUFFIXES = ("كم", "ها", "نا", "ه", "ي", "ك")


def _arabic_variants(word: str) -> list[str]:
    """The word, without its article/conjunction prefix (ال, و, ب, ل...), and without an
    attached pronoun (ارجعه -> ارجع)."""
    variants = [word]
    for prefix in _ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= (2 if prefix == "و" else 3):
            word = word[len(prefix) :]
            variants.append(word)
            break
    for suffix in _ARABIC_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            variants.append(word[: -len(suffix)])
            break
    return variants


def arabic_stem(word: str) -> str:
    """An Arabic lexicon word without its article prefix (others unchanged)."""
    if not word or not _is_arabic(word):
        return word
    for prefix in ("ال",):
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            return word[len(prefix) :]
    return word


def _is_arabic(word: str) -> bool:
    return "\u0600" <= word[0] <= "\u06ff"


@lru_cache(maxsize=4096)
def tokens(text: str) -> tuple[str, ...]:
    """Search tokens of ``text``: words, Arabic words without prefixes, Han uni- and bigrams."""
    out: list[str] = []
    for word in _WORD.findall(normalise(text)):
        if _HAN_RUN.fullmatch(word):
            out.extend(word)
            out.extend(word[i : i + 2] for i in range(len(word) - 1))
        elif _is_arabic(word):
            out.extend(_arabic_variants(word))
        else:
            out.append(word)
            # Indonesian possessive/definite suffixes: harganya -> harga, paketku -> paket.
            for suffix in ("nya", "ku", "mu"):
                if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                    out.append(word[: -len(suffix)])
                    break
    return tuple(out)


def words(text: str) -> list[str]:
    """Words of ``text`` in order (Han runs stay whole), for phrase and number scanning."""
    return _WORD.findall(normalise(text))


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal-string-alignment distance (a transposition counts 1), capped at ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def allowed_typos(word: str, shortest: int = 5) -> int:
    """Typos tolerated in ``word``: none below ``shortest`` letters (short words collide:
    paket/jaket, harta/harga), one up to 7, two from 8."""
    if has_han(word) or len(word) < shortest:
        return 0
    return 2 if len(word) >= 8 else 1


@lru_cache(maxsize=65536)
def fuzzy_equal(word: str, candidate: str, shortest: int = 5) -> bool:
    """Whether ``candidate`` (from a message) is ``word`` (from a lexicon), allowing typos."""
    if word == candidate:
        return True
    limit = allowed_typos(word, shortest)
    if limit == 0 or len(candidate) < 4:
        return False
    return edit_distance(word, candidate, limit) <= limit
