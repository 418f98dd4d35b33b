"""Words a resident texts to the line itself rather than to the office, Korean and English.

Parsing only: what a text asks for. routing.jobs decides what happens; replies.commands answers.
"""
import re
import unicodedata
from dataclasses import dataclass

OPT_OUT = "opt_out"
OPT_IN = "opt_in"
HELP = "help"
STATUS = "status"

# Twilio's opt-out, opt-in and help words (default and Advanced Opt-Out), matched as Twilio does:
# the whole text is the word, any case. Korean equivalents are matched the same way.
_WORDS = {
    OPT_OUT: {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke", "수신거부", "그만", "중지"},
    OPT_IN: {"start", "yes", "unstop", "재개", "시작"},
    HELP: {"help", "info", "도움말"},
    STATUS: {"status", "조회", "상태"},
}
_COMMAND_OF = {word: command for command, words in _WORDS.items() for word in words}
# "새 민원: ..." says outright that this is not about the case already open.
_NEW_MATTER = ("새민원", "새로운민원", "신규민원", "다른민원", "newcase", "newreport", "newissue")
_RATING = re.compile(r"^([1-5])(?:점|/5|stars?)?$")
_TAG = re.compile(r"#([^\s#.,!?]{1,40})")
_SPACE_AND_PUNCTUATION = re.compile(r"[\s.!?~,:;'\"()\[\]-]+")


@dataclass(frozen=True)
class Command:
    name: str
    ref: str | None = None  # the case a status query names, as written ("M42")


def _squeezed(text: str) -> str:
    """Lower case, full-width digits and letters made plain, spaces and punctuation gone."""
    return _SPACE_AND_PUNCTUATION.sub("", unicodedata.normalize("NFKC", text or "").lower())


def parse(text: str, ref_prefixes: tuple[str, ...]) -> Command | None:
    """The command a whole text is, or None for a text meant for the office."""
    squeezed = _squeezed(text)
    if squeezed in _COMMAND_OF:
        return Command(_COMMAND_OF[squeezed])
    ref = _ref_query(squeezed, ref_prefixes)
    return Command(STATUS, ref) if ref else None


def _ref_query(squeezed: str, ref_prefixes: tuple[str, ...]) -> str | None:
    """"M42", "m42 조회", "조회M42", "status M42": the reference, upper-cased as stored."""
    for word in _WORDS[STATUS]:
        squeezed = squeezed.removeprefix(word).removesuffix(word)
    prefixes = "|".join(re.escape(p.lower()) for p in sorted(set(ref_prefixes), key=len, reverse=True) if p)
    match = re.fullmatch(rf"({prefixes})(\d{{1,12}})", squeezed) if prefixes else None
    return f"{match[1].upper()}{int(match[2])}" if match else None


def starts_new_matter(text: str) -> bool:
    return _squeezed(text).startswith(_NEW_MATTER)


def rating(text: str) -> int | None:
    """1-5 when the whole text is a satisfaction score ("5", "４", "3점", "4/5")."""
    match = _RATING.fullmatch(_squeezed(text))
    return int(match[1]) if match else None


def tags(text: str) -> list[str]:
    """The "#공원" tags a text carries, without the "#", in order."""
    return [unicodedata.normalize("NFKC", t) for t in _TAG.findall(text or "")]
