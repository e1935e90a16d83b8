"""People and conversations for the messages tests, made through the real services."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from messages import services
from tests.factories import actor_for
from yiban_core.accounts import services as accounts


def befriend(a, b) -> None:
    """Mutual follows."""
    accounts.follow(actor=actor_for(a), username=b.username)
    accounts.follow(actor=actor_for(b), username=a.username)


def send(sender, recipient, text: str = "你好，明天一起去图书馆吗？", **kwargs):
    conversation = services.open_direct(actor=actor_for(sender), username=recipient.username)
    return services.send_message(actor=actor_for(sender), conversation_id=conversation.pk,
                                 text=text, **kwargs)


def say_in_group(sender, group, text: str = "今晚班会改到 7 点"):
    chat = services.open_group_chat(actor=actor_for(sender), group_id=group.pk)
    return services.send_message(actor=actor_for(sender), conversation_id=chat.pk, text=text)


def png(colour=(40, 120, 200)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 9), colour).save(buffer, "PNG")
    return SimpleUploadedFile("黑板.png", buffer.getvalue(), content_type="image/png")
