"""X-Twilio-Signature: the URL Twilio signed is PUBLIC_BASE_URL plus the request's path and query."""
from flask import Request
from twilio.request_validator import RequestValidator


def signed_url(public_base_url: str, request: Request) -> str:
    query = request.query_string.decode("latin-1")
    return public_base_url + request.path + (f"?{query}" if query else "")


def is_valid(request: Request, public_base_url: str, auth_token: str) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(auth_token)
    return validator.validate(signed_url(public_base_url, request), request.form.to_dict(flat=True), signature)


def sign(url: str, params: dict, auth_token: str) -> str:
    """What Twilio would send; used by the phone simulator and the tests."""
    return RequestValidator(auth_token).compute_signature(url, params)
