"""MMS photos: downloaded with Twilio's credentials by an rq job, checked, stored, shown only to signed-in staff."""
from pathlib import Path

from models import CaseEvent, Media
from tests.replies.conftest import cases, rows

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 2048 + b"\xff\xd9"


def test_photo_is_downloaded_with_twilio_credentials_and_stored(app, text, run_worker, media_server):
    url = media_server.add("ME1", JPEG, "image/jpeg")
    text("놀이터 미끄럼틀이 부서졌어요", media=[(url, "image/jpeg")])
    run_worker()
    [media] = rows(app, Media)
    assert media.status == "stored" and media.size == len(JPEG) and media.content_type == "image/jpeg"
    assert (Path(app.config["MEDIA_PATH"]) / media.storage_path).read_bytes() == JPEG
    [event] = rows(app, CaseEvent, CaseEvent.kind == "media_stored")
    assert event.case_id == cases(app)[0].id and event.data["media_id"] == media.id
    assert media_server.store_auth == [None]  # the file store behind the redirect never saw the credentials


def test_photo_sent_after_the_text_lands_in_the_same_case(app, text, run_worker, media_server):
    text("놀이터 미끄럼틀이 부서졌어요")
    run_worker()
    text("", media=[(media_server.add("ME2", JPEG, "image/jpeg"), "image/jpeg")])
    run_worker()
    [event] = rows(app, CaseEvent, CaseEvent.kind == "media_stored")
    assert event.case_id == cases(app)[0].id


def test_file_over_the_limit_is_rejected_and_not_kept(app, text, run_worker, media_server):
    app.config["MEDIA_MAX_BYTES"] = 1024
    text("사진입니다", media=[(media_server.add("ME3", JPEG, "image/jpeg"), "image/jpeg")])
    run_worker()
    [media] = rows(app, Media)
    assert media.status == "rejected" and "1024 byte limit" in media.error and media.storage_path is None
    assert [f for f in Path(app.config["MEDIA_PATH"]).rglob("*") if f.is_file()] == []


def test_content_type_not_accepted_is_rejected(app, text, run_worker, media_server):
    url = media_server.add("ME4", b"<svg onload=alert(1)></svg>", "image/svg+xml")
    text("그림", media=[(url, "image/jpeg")])  # Twilio's form may say otherwise: the answer decides
    run_worker()
    [media] = rows(app, Media)
    assert media.status == "rejected" and "image/svg+xml" in media.error


def test_pdf_is_accepted(app, text, run_worker, media_server):
    text("서류 보냅니다", media=[(media_server.add("ME5", b"%PDF-1.4 test", "application/pdf"), "application/pdf")])
    run_worker()
    assert rows(app, Media)[0].status == "stored"


def test_credentials_are_never_sent_outside_twilio(app, text, run_worker, media_server):
    text("사진", media=[("http://127.0.0.1:9/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME6", "image/jpeg")])
    run_worker()
    [media] = rows(app, Media)
    assert media.status == "rejected" and "only to Twilio" in media.error


def test_missing_media_is_marked_failed(app, text, run_worker, media_server):
    text("사진", media=[(media_server.base_url + "/2010-04-01/Accounts/AC1/Messages/MM1/Media/gone", "image/jpeg")])
    run_worker()
    [media] = rows(app, Media)
    assert media.status == "failed" and "404" in media.error


def test_download_run_twice_stores_once(app, text, run_worker, media_server):
    from replies.media import fetch

    text("사진", media=[(media_server.add("ME7", JPEG, "image/jpeg"), "image/jpeg")])
    run_worker()
    with app.app_context():
        assert fetch(rows(app, Media)[0].id) == "nothing to do"
    assert len(media_server.store_auth) == 1


def test_photo_is_shown_only_to_signed_in_staff(app, client, text, run_worker, media_server, sign_in):
    text("놀이터 미끄럼틀이 부서졌어요", media=[(media_server.add("ME8", JPEG, "image/jpeg"), "image/jpeg")])
    run_worker()
    media_id = rows(app, Media)[0].id
    anonymous = client.get(f"/inbox/media/{media_id}")
    assert anonymous.status_code in (302, 401) and anonymous.data != JPEG
    sign_in()
    shown = client.get(f"/inbox/media/{media_id}")
    assert shown.status_code == 200 and shown.data == JPEG and shown.mimetype == "image/jpeg"
