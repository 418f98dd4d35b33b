"""Texts to residents, Korean first and English for residents who write in English.

Each template is written to fit one SMS segment (70 UCS-2 or 160 GSM-7 characters) for the
longest department name and a six-digit case number; tests check that.
"""
import re
from datetime import datetime

from district_time import short_en, short_ko

_HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
_LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: str, default: str = "ko") -> str:
    """'en' for a text written in English with no Hangul; otherwise the default."""
    if _HANGUL.search(text or ""):
        return "ko"
    return "en" if len(_LATIN.findall(text or "")) >= 3 else default


def receipt(lang: str, ref: str, department_ko: str, department_en: str, deadline: datetime | None) -> str:
    if lang == "en":
        if deadline is None:
            return f"Mayor's line: received as case {ref}. Thank you, our team will read it."
        return f"Mayor's line: received as case {ref}. {department_en} will answer by {short_en(deadline)}."
    if deadline is None:
        return f"[구청장 문자] 접수번호 {ref}. 소중한 말씀 감사합니다. 꼼꼼히 읽겠습니다."
    return f"[구청장 문자] {ref} 접수. {department_ko}에서 {short_ko(deadline)}까지 답변드립니다."
