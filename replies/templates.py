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


# What a case's state means to a resident; "new" and "open" both mean nobody has answered yet.
_STATE_KO = {"new": "답변 준비 중", "open": "답변 준비 중", "answered": "처리 중", "waiting": "확인 요청 중",
             "resolved": "처리 완료"}
_STATE_EN = {"new": "being read", "open": "being read", "answered": "in progress", "waiting": "waiting for you",
             "resolved": "resolved"}


def status(lang: str, ref: str, department_ko: str, department_en: str, state: str, due: datetime | None) -> str:
    """One case's department, state and (when one runs) the date the next step is due."""
    if lang == "en":
        text = f"Mayor's line: case {ref}, {department_en}, {_STATE_EN.get(state, state)}."
        return text + (f" Due {short_en(due)}." if due else "")
    text = f"[구청장 문자] {ref} {department_ko} {_STATE_KO.get(state, state)}."
    return text + (f" 기한 {short_ko(due)}" if due else "")


def status_not_found(lang: str, ref: str | None) -> str:
    if lang == "en":
        named = f"case {ref}" if ref else "a case"
        return f"Mayor's line: we find no {named} sent from this number."
    named = f"{ref} 민원이" if ref else "민원이"
    return f"[구청장 문자] 이 번호로 접수된 {named} 없습니다."


def opted_out(lang: str) -> str:
    if lang == "en":
        return "Mayor's line: you will get no more texts from us. Reply START to receive them again."
    return "[구청장 문자] 수신거부되었습니다. 더 이상 문자를 보내지 않습니다. 다시 받으시려면 '재개'라고 보내 주세요."


def opted_in(lang: str) -> str:
    if lang == "en":
        return "Mayor's line: texts are on again. Text us anything the district should fix or know."
    return "[구청장 문자] 수신이 재개되었습니다. 구에 바라는 점을 언제든 보내 주세요."


def help_text(lang: str) -> str:
    if lang == "en":
        return ("Mayor's line: text the mayor about anything in the district. Send your case number for its "
                "status, STOP to end texts.")
    return "[구청장 문자] 구청장에게 바로 보내는 민원 문자입니다. 접수번호를 보내면 진행상황을, '수신거부'는 문자 중단."


def survey(lang: str, ref: str) -> str:
    if lang == "en":
        return f"Mayor's line: case {ref} is resolved. How satisfied are you? Reply 1 (poor) to 5 (very good)."
    return f"[구청장 문자] {ref} 처리가 끝났습니다. 만족도를 1(불만)~5(매우 만족) 숫자로 답해 주세요."
