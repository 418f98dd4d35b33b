"""Phone numbers as E.164, with Korean numbers written the Korean way understood."""
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers


@dataclass(frozen=True)
class Normalised:
    value: str  # E.164 when valid, else the input as received
    valid: bool


@lru_cache(maxsize=20_000)  # residents text again and again; parsing is the webhook's costliest pure step
def normalise(raw: str, region: str = "KR") -> Normalised:
    text = (raw or "").strip()
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return Normalised(text, False)
    if not phonenumbers.is_valid_number(parsed):
        return Normalised(text, False)
    return Normalised(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), True)


def mask(e164: str, region: str = "KR") -> str:
    """010-****-5678 for staff who must not see whole numbers."""
    try:
        national = phonenumbers.format_number(phonenumbers.parse(e164, region), phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        national = e164
    digits = [i for i, ch in enumerate(national) if ch.isdigit()]
    hidden = set(digits[3:-4]) if len(digits) > 7 else set(digits[:-2])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(national))
