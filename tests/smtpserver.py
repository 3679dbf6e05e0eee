"""A real SMTP server on loopback for the e-mail tests (aiosmtpd in a thread): it keeps every message it accepts,
parsed, and refuses the recipients listed in ``refuse`` with a 550, as a real server refuses an unknown mailbox.

>>> with SmtpServer() as smtp:
...     app.config.update(smtp.settings())
...     ...                                  # send
...     smtp.messages[0]["To"]
"""
from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    def __init__(self):
        self.refuse: set[str] = set()
        self.envelopes: list[tuple[str, list[str]]] = []  # (MAIL FROM, RCPT TO) of each accepted message
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    # aiosmtpd's handler hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.messages.append(message_from_bytes(envelope.original_content or envelope.content,
                                                    policy=policy.default))
        return "250 Message accepted for delivery"

    def settings(self) -> dict:
        """App settings that send through this server."""
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": self.port, "SMTP_STARTTLS": False, "SMTP_SSL": False,
                "SMTP_FROM": "Survey team <survey@example.com>", "SMTP_TIMEOUT": 10}

    def to(self, address: str) -> list[EmailMessage]:
        """The messages whose envelope named ``address``."""
        return [m for (_from, rcpts), m in zip(self.envelopes, self.messages) if address in rcpts]

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
