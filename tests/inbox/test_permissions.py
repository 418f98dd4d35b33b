"""Every role × every action × a case of the member's own department and of another one."""
import pytest

from inbox.permissions import ACTIONS
from models import CaseState
from tests.inbox.conftest import add_case, add_staff, events, load_case, post_action, sign_in, texts

ACCOUNTS = {
    "mayor": ("mayor@gu.go.kr", None),
    "communication": ("comm@gu.go.kr", "communication"),
    "leader": ("leader@gu.go.kr", "roads"),
    "staff": ("staff@gu.go.kr", "roads"),
}
# What each role may do on a roads case ("own") and on a traffic case ("other"): 200/302 allowed,
# 403 seen but not allowed, 404 not even seen.
EXPECTED = {
    ("mayor", "view"): (200, 200),
    ("communication", "view"): (200, 200),
    ("leader", "view"): (200, 404),
    ("staff", "view"): (200, 404),
    **{("mayor", a): (403, 403) for a in ACTIONS},
    **{("communication", a): (302, 302) for a in ACTIONS},
    **{("leader", a): (302, 404) for a in ACTIONS},
    **{("staff", a): (302, 404) for a in ACTIONS if a not in ("reassign", "extend")},
    ("staff", "reassign"): (403, 404),
    ("staff", "extend"): (403, 404),
}
FIELDS = {
    "note": {"body": "현장 확인 예정"},
    "reply": {"body": "내일 오전에 보수하겠습니다."},
    "category": {"category": "safety"},
    "resolve": {"result": "가로등을 교체했습니다.", "notify": "y"},
    "reopen": {"reason": "다시 꺼졌다는 연락"},
    "reassign": {"department": "parks", "reason": "공원 안 가로등"},
    "extend": {"deadline": "2030-01-02T09:30", "reason": "자재 입고 대기"},
}
EVENT_KIND = {"note": "note", "reply": "reply", "category": "category_changed", "resolve": "resolved",
              "reopen": "reopened", "reassign": "reassigned", "extend": "deadline_extended"}


def _sign_in_as(app, client, role: str) -> None:
    email, department = ACCOUNTS[role]
    add_staff(app, email, role, department)
    assert sign_in(client, email).status_code == 302


def _case_for(app, where: str, action: str) -> int:
    state = CaseState.RESOLVED if action == "reopen" else CaseState.OPEN
    return add_case(app, "roads" if where == "own" else "traffic", state=state)


@pytest.mark.parametrize("where", ["own", "other"])
@pytest.mark.parametrize("role", list(ACCOUNTS))
def test_view_case_by_role_and_department(app, client, role, where):
    _sign_in_as(app, client, role)
    case_id = _case_for(app, where, "view")
    expected = EXPECTED[(role, "view")][0 if where == "own" else 1]
    answer = client.get(f"/inbox/cases/{case_id}")
    assert answer.status_code == expected
    if expected == 404:
        assert "가로등" not in answer.get_data(as_text=True)
        assert client.get("/inbox").get_data(as_text=True).count(f"M{case_id}<") == 0


@pytest.mark.parametrize("where", ["own", "other"])
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", list(ACCOUNTS))
def test_action_by_role_and_department(app, client, role, action, where):
    _sign_in_as(app, client, role)
    case_id = _case_for(app, where, action)
    before = load_case(app, case_id)
    expected = EXPECTED[(role, action)][0 if where == "own" else 1]

    answer = post_action(client, case_id, action, **FIELDS[action])

    assert answer.status_code == expected
    recorded = events(app, case_id, EVENT_KIND[action])
    after = load_case(app, case_id)
    if expected == 302:
        assert len(recorded) == 1 and recorded[0].actor and recorded[0].staff_id
        assert after.version == before.version + 1
    else:
        assert recorded == [] and after.version == before.version
        assert texts(app, case_id) == []
