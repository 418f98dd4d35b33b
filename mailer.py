"""E-mail through SMTP_URL (smtp://user:pass@host:port, smtps://… or smtp+starttls://…)."""
import smtplib
from email.message import EmailMessage
from urllib.parse import unquote, urlparse

from flask import current_app


class MailNotConfigured(RuntimeError):
    pass


def build(to: list[str], subject: str, text: str, html: str | None = None,
          inline_images: dict[str, bytes] | None = None) -> EmailMessage:
    """A multipart message: plain text, and HTML with PNG images referenced as cid:<name>."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
        html_part = message.get_payload()[1]
        for cid, data in (inline_images or {}).items():
            html_part.add_related(data, maintype="image", subtype="png", cid=f"<{cid}>")
    return message


def send(message: EmailMessage) -> None:
    url = current_app.config["SMTP_URL"]
    if not url:
        raise MailNotConfigured("SMTP_URL is not set")
    parts = urlparse(url)
    secure = parts.scheme == "smtps"
    smtp_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
    with smtp_class(parts.hostname, parts.port or (465 if secure else 25), timeout=10) as smtp:
        if parts.scheme == "smtp+starttls":
            smtp.starttls()
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(message)
