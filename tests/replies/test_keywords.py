"""The words a resident texts to the line itself, as the route job reads them."""
import pytest

from replies import keywords


@pytest.mark.parametrize("text,name", [
    ("STOP", "opt_out"), ("stop.", "opt_out"), ("StopAll", "opt_out"), ("UNSUBSCRIBE", "opt_out"), ("cancel", "opt_out"),
    ("END", "opt_out"), ("quit", "opt_out"), ("OPTOUT", "opt_out"), ("revoke", "opt_out"), ("수신거부", "opt_out"),
    ("수신 거부", "opt_out"), ("그만!", "opt_out"), ("중지", "opt_out"),
    ("START", "opt_in"), ("yes", "opt_in"), ("UNSTOP", "opt_in"), ("재개", "opt_in"), ("시작", "opt_in"),
    ("HELP", "help"), ("info", "help"), ("도움말", "help"),
    ("조회", "status"), ("상태", "status"), ("Status", "status"),
])
def test_whole_text_command_words(text, name):
    assert keywords.parse(text, ("M",)) == keywords.Command(name)


@pytest.mark.parametrize("text", ["M42", "m42", "M-42", "M42 조회", "조회 M42", "status M42", "Ｍ４２"])
def test_case_reference_is_a_status_query(text):
    assert keywords.parse(text, ("M", "B")) == keywords.Command("status", "M42")


@pytest.mark.parametrize("text", ["please stop the noise", "가로등 고장 신고 그만 좀 미루세요", "A4 용지", "M", "42",
                                  "help me the road is broken", ""])
def test_sentences_are_not_commands(text):
    assert keywords.parse(text, ("M",)) is None


@pytest.mark.parametrize("text,score", [("5", 5), ("1", 1), ("3점", 3), ("４", 4), ("4/5", 4), ("5 stars", 5), (" 2. ", 2)])
def test_rating(text, score):
    assert keywords.rating(text) == score


@pytest.mark.parametrize("text", ["0", "6", "10", "3동 앞이에요", "5시에 봤어요"])
def test_not_a_rating(text):
    assert keywords.rating(text) is None


@pytest.mark.parametrize("text", ["새 민원: 공원 벤치", "새민원 불법주차", "New case: the bench", "다른 민원입니다"])
def test_new_case_words(text):
    assert keywords.starts_new_matter(text)


def test_tags_are_read_without_the_hash():
    assert keywords.tags("#공원 벤치가 부서졌어요 #놀이터.") == ["공원", "놀이터"]
    assert keywords.tags("샵 없는 문자") == []
