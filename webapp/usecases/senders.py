"""Senders: how a notice leaves the outbox by SMS or e-mail.

A sender takes one message and returns the reference its carrier gave (the receipt reference the
outbox records). Configuration `CLUEFLOW_NOTICE_SENDER` (app config, else the environment) picks
it: a name of SENDERS, or "package.module:factory" for a bureau's own gateway. The default, "log",
delivers nothing: it writes the message to the application log (the recipient masked) and to the
`sent_messages` table, which is what a test or a demo reads.
"""

from __future__ import annotations

import importlib
import os
import uuid
from dataclasses import dataclass
from typing import Callable, Protocol

from flask import current_app

from webapp.extensions import db
from webapp.models import SentMessage


@dataclass(frozen=True)
class Message:
    notice_id: int
    channel: str  # "sms" or "email"
    recipient: str  # phone number or e-mail address
    subject: str
    body: str


class Sender(Protocol):
    name: str

    def send(self, message: Message) -> str:
        """Hand the message over; return the carrier's reference. Raise SendFailed when it refused."""


class SendFailed(Exception):
    """The carrier did not take the message; nothing was recorded as sent."""


def masked_recipient(recipient: str) -> str:
    """13800000000 → 138****0000; a@b.cn → a***@b.cn (what the log may show)."""
    if "@" in recipient:
        name, _, domain = recipient.partition("@")
        return f"{name[:1]}***@{domain}"
    return recipient[:3] + "****" + recipient[-4:] if len(recipient) > 7 else "****"


class LogSender:
    """The default: the application log and the sent_messages table, no carrier."""

    name = "log"

    def send(self, message: Message) -> str:
        reference = "LOG-" + uuid.uuid4().hex[:12].upper()
        current_app.logger.info(
            "notice %s sent by %s to %s (log sender), reference %s: %s",
            message.notice_id,
            message.channel,
            masked_recipient(message.recipient),
            reference,
            message.subject,
        )
        db.session.add(
            SentMessage(
                notice_id=message.notice_id,
                sender=self.name,
                channel=message.channel,
                recipient=message.recipient,
                subject=message.subject,
                body=message.body,
                reference=reference,
            )
        )
        return reference


SENDERS: dict[str, Callable[[], Sender]] = {"log": LogSender}


def configured() -> Sender:
    """The sender the configuration names (the log sender by default)."""
    spec = (
        current_app.config.get("CLUEFLOW_NOTICE_SENDER") or os.environ.get("CLUEFLOW_NOTICE_SENDER") or "log"
    )
    if spec in SENDERS:
        return SENDERS[spec]()
    module, _, attribute = spec.partition(":")
    if not attribute:
        raise RuntimeError(
            f"CLUEFLOW_NOTICE_SENDER={spec!r}: a name of {sorted(SENDERS)} or 'module:factory'"
        )
    return getattr(importlib.import_module(module), attribute)()
