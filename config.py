"""Settings read from the environment (12-factor), with defaults that run on one machine."""
import json
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _env_float(name: str, default: float) -> float:
    raw = _env(name)
    return float(raw) if raw else default


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    return int(raw) if raw else default


def _env_hours(prefix: str, defaults: dict[str, float | None]) -> dict[str, float | None]:
    """Hours per key from PREFIX<KEY> variables (SLA_HOURS_SAFETY=2); "none" means no deadline."""
    hours = dict(defaults)
    for name, raw in os.environ.items():
        if name.startswith(prefix) and raw.strip():
            value = raw.strip().lower()
            hours[name[len(prefix):].lower()] = None if value == "none" else float(value)
    return hours


class Config:
    """Every setting the processes of the Procfile read. Instances snapshot the environment."""

    def __init__(self, **overrides):
        instance = Path(_env("INSTANCE_PATH", str(BASE_DIR / "instance")))
        self.INSTANCE_PATH = str(instance)
        self.SECRET_KEY = _env("SECRET_KEY", "dev-only-not-secret")
        self.DATABASE_URL = _env("DATABASE_URL", f"sqlite:///{instance / 'baro.db'}")
        # Empty REDIS_URL means the embedded mode: jobs run in-process.
        self.REDIS_URL = _env("REDIS_URL")
        self.QUEUE_NAME = _env("QUEUE_NAME", "baro")
        # How many reverse proxies in front of the web processes set X-Forwarded-* (0: none).
        self.TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
        self.PUBLIC_BASE_URL = _env("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        self.TWILIO_ACCOUNT_SID = _env("TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000000")
        self.TWILIO_AUTH_TOKEN = _env("TWILIO_AUTH_TOKEN", "dev-auth-token")
        self.TWILIO_FROM_NUMBER = _env("TWILIO_FROM_NUMBER", "+82212345678")
        self.TWILIO_MESSAGING_SERVICE_SID = _env("TWILIO_MESSAGING_SERVICE_SID")
        self.TWILIO_API_BASE_URL = _env("TWILIO_API_BASE_URL")
        self.SMS_BACKEND = _env("SMS_BACKEND", "console")
        self.SMTP_URL = _env("SMTP_URL")
        self.MAIL_FROM = _env("MAIL_FROM", "baro@localhost")
        self.DIGEST_TO = _env("DIGEST_TO")
        self.TIMEZONE = _env("TIMEZONE", "Asia/Seoul")
        self.DEFAULT_REGION = _env("DEFAULT_REGION", "KR")
        self.LINE_NAME = _env("LINE_NAME", "구청장에게 바로 문자")
        self.MEDIA_PATH = _env("MEDIA_PATH", str(instance / "media"))
        # Below this confidence a text goes to the communication team. 0.9 is what `python -m routing.evaluate`
        # recommends on the 0.1 grid (lowest misroute with triage <= 25%): held-out 1.2% misroute / 17.1% triage.
        self.ROUTING_CONFIDENCE_THRESHOLD = _env_float("ROUTING_CONFIDENCE_THRESHOLD", 0.9)
        # How often a process asks the database whether another classifier version went live.
        self.MODEL_RELOAD_SECONDS = _env_float("MODEL_RELOAD_SECONDS", 30)
        # `routing retrain` keeps the live model unless the candidate is within this of it on every score.
        self.ROUTING_RETRAIN_TOLERANCE = _env_float("ROUTING_RETRAIN_TOLERANCE", 0.005)
        # Training parameters over routing.model's defaults, as JSON (part of every version's hash).
        self.ROUTING_TRAIN_PARAMS = json.loads(_env("ROUTING_TRAIN_PARAMS", "{}"))
        self.FIRST_ANSWER_HOURS = _env_float("FIRST_ANSWER_HOURS", 48)
        # The 48-hour promise (sla/). Per-category hours override FIRST_ANSWER_HOURS; the stricter of the
        # category's and the department's (Department.first_answer_hours) promise applies.
        self.SLA_HOURS = _env_hours("SLA_HOURS_", {"safety": 2, "gratitude": None, "other": None})
        self.RESOLUTION_HOURS = _env_float("RESOLUTION_HOURS", 168)
        self.SLA_RESOLUTION_HOURS = _env_hours("SLA_RESOLUTION_HOURS_", {"safety": 24, "gratitude": None, "other": None})
        self.SLA_CALENDAR = _env("SLA_CALENDAR", "wall")  # wall | business (weekdays, BUSINESS_HOURS, no KR holidays)
        self.BUSINESS_HOURS = _env("BUSINESS_HOURS", "09:00-18:00")
        self.REMINDER_FRACTION = _env_float("REMINDER_FRACTION", 0.25)
        # Escalation levels 1, 2, 3 start this many hours (of the SLA calendar) after the deadline (three values).
        self.ESCALATION_HOURS = [float(h) for h in _env("ESCALATION_HOURS", "0,24,48").split(",")]
        self.MAYOR_OFFICE_NAME = _env("MAYOR_OFFICE_NAME", "구청장실")
        self.MAYOR_OFFICE_EMAIL = _env("MAYOR_OFFICE_EMAIL")
        self.MAYOR_OFFICE_PHONE = _env("MAYOR_OFFICE_PHONE")
        # The resident's side (replies/, routing/jobs.py): texts we start are held in quiet hours (district time).
        self.QUIET_HOURS_START = _env("QUIET_HOURS_START", "21:00")
        self.QUIET_HOURS_END = _env("QUIET_HOURS_END", "08:00")
        self.FLOOD_LIMIT_PER_MINUTE = _env_int("FLOOD_LIMIT_PER_MINUTE", 5)
        self.MEDIA_MAX_BYTES = _env_int("MEDIA_MAX_BYTES", 5 * 1024 * 1024)
        # Only these origins are sent the Twilio credentials when downloading MMS media.
        self.TWILIO_MEDIA_ORIGINS = _env("TWILIO_MEDIA_ORIGINS", "https://api.twilio.com").split(",")
        self.MEDIA_TYPES = _env("MEDIA_TYPES", "image/jpeg,image/png,image/gif,image/webp,image/heic,image/heif,application/pdf").split(",")
        self.THREAD_DAYS = _env_float("THREAD_DAYS", 7)
        # A follow-up starts a new case only when the classifier is this sure it is another department's matter.
        self.NEW_MATTER_CONFIDENCE = _env_float("NEW_MATTER_CONFIDENCE", 0.8)
        self.SWEEP_AFTER_SECONDS = _env_int("SWEEP_AFTER_SECONDS", 30)
        self.SEND_MAX_ATTEMPTS = _env_int("SEND_MAX_ATTEMPTS", 5)
        self.SIMULATOR_ENABLED = _env("SIMULATOR_ENABLED", "1" if self.SMS_BACKEND == "console" else "0") == "1"
        # The embedded mode's web process runs the periodic jobs itself (make demo sets this).
        self.EMBEDDED_CLOCK = _env("EMBEDDED_CLOCK", "0") == "1"
        self.TESTING = False
        for key, value in overrides.items():
            setattr(self, key, value)

    @property
    def embedded(self) -> bool:
        return not self.REDIS_URL
