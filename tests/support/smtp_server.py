"""A real SMTP server (aiosmtpd) on a free local port that keeps every mail it receives."""
import socket
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class MailDrop:
    def __init__(self):
        self.messages = []  # (recipients, email.message.EmailMessage)
        self.lock = threading.Lock()
        self.url = ""

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def running():
    """Starts a server; yields its MailDrop (with .url for SMTP_URL) and stops it afterwards."""
    drop = MailDrop()
    controller = Controller(drop, hostname="127.0.0.1", port=_free_port())
    controller.start()
    drop.url = f"smtp://127.0.0.1:{controller.port}"
    try:
        yield drop
    finally:
        controller.stop()
