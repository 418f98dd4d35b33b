from sms_gateway.phone import mask, normalise


def test_korean_mobile_written_the_korean_way_becomes_e164():
    assert normalise("010-1234-5678").value == "+821012345678"
    assert normalise("01012345678").valid


def test_foreign_number_keeps_its_country():
    assert normalise("+1 415 555 2671").value == "+14155552671"


def test_rejected_number_is_kept_as_received_and_flagged():
    result = normalise(" 12345 ")
    assert result.value == "12345" and not result.valid


def test_mask_hides_the_middle_of_a_korean_mobile():
    assert mask("+821012345678") == "010-****-5678"
