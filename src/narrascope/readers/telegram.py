"""Telegram Desktop exports (result.json): one channel or chat, or a whole account's chats; each
message with text becomes a Document. A message without a date is kept undated, with a problem line.
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError
from ..model import Document
from .base import Options, ReadProblem, ReadResult, Mended, human_size
from .records import _printable, _scalar_fields, parse_date

__all__ = ["read_telegram", "telegram_chats"]


def telegram_chats(obj: Any, *, told: bool = False) -> list[dict[str, Any]]:
    """The chats of a Telegram Desktop export: one channel (result.json of a chat export)
    or the "chats"/"left_chats" lists of a full account export. ``told``: the caller said
    the input is a Telegram export, so dates are not needed to recognise it."""
    if not isinstance(obj, dict):
        return []
    if _is_telegram_chat(obj, told=told):
        return [obj]
    chats = []
    for key in ("chats", "left_chats"):
        inner = obj.get(key)
        listed = inner.get("list") if isinstance(inner, dict) else None
        if isinstance(listed, list):
            chats += [c for c in listed if _is_telegram_chat(c, told=told)]
    return chats


def _is_telegram_chat(obj: Any, *, told: bool = False) -> bool:
    """A "messages" list whose first 50 objects all have a "type" (message, service), and (unless
    ``told``) dates: some messages of a real export may lack one, so one dated message is enough."""
    if not isinstance(obj, dict):
        return False
    messages = obj.get("messages")
    if not isinstance(messages, list):
        return False
    sample = [m for m in messages[:50] if isinstance(m, dict)]
    if not sample or not all("type" in m for m in sample):
        return False
    return told or any(isinstance(m, dict) and ("date" in m or "date_unixtime" in m) for m in messages)


def _telegram_text(value: Any) -> str:
    """Telegram keeps formatted text as a list of plain strings and {"type", "text"} entities."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(v if isinstance(v, str) else str(v.get("text", "")) if isinstance(v, dict) else "" for v in value)
    return ""


def _telegram_links(*parts: Any) -> list[str]:
    """URLs a message links to: "link" entities (the URL is the text) and "text_link" ones (an href)."""
    links: list[str] = []
    for part in parts:
        for ent in part if isinstance(part, list) else []:
            if not isinstance(ent, dict):
                continue
            url = ent.get("href") if ent.get("type") == "text_link" else ent.get("text") if ent.get("type") == "link" else None
            if isinstance(url, str) and url.strip() and url.strip() not in links:
                links.append(url.strip())
    return links[:100]


def read_telegram(chats: list[dict[str, Any]], *, source: str, encoding: str | None, opts: Options, mend: bool = True) -> ReadResult:
    result = ReadResult()
    undated: list[str] = []
    for chat in chats:
        channel = chat.get("name") if isinstance(chat.get("name"), str) else None
        username = chat.get("username") if isinstance(chat.get("username"), str) else None
        # the chat's own strings are mended once here, not reported again with every message
        chat_id = chat.get("id") if isinstance(chat.get("id"), (int, str)) and not isinstance(chat.get("id"), bool) else None
        mended_chat = Mended()
        channel, username, chat_id = (mended_chat.value(k, v) for k, v in (("name", channel), ("username", username), ("id", chat_id)))
        note = mended_chat.note(tail="; its messages are read")
        if note:
            result.problems.append(ReadProblem(source, None, f"chat {_printable(channel or chat_id or '?')}: {note}", kept=True))
        is_channel = "channel" in str(chat.get("type", "channel"))
        for index, msg in enumerate(chat.get("messages") or []):
            if not isinstance(msg, dict) or msg.get("type") != "message":
                continue  # service messages: joins, pins, title changes
            mended = Mended()
            text = _telegram_text(msg.get("text"))
            if mend:
                text = mended.text(text)
            if not text.strip():
                continue  # a photo or sticker without a caption: nothing to analyse
            msg_id = msg.get("id")
            if not isinstance(msg_id, (int, str)) or isinstance(msg_id, bool):
                msg_id = None
            name = f"message {_printable(msg_id)}" if msg_id is not None else f"message {index + 1} of the list"
            size = len(text.encode("utf-8", "surrogatepass"))
            if size > opts.max_bytes:
                result.problems.append(ReadProblem(
                    source, None, f"{name}: text is {human_size(size)}, over the {human_size(opts.max_bytes)} limit "
                                  "(raise max_bytes)"))
                continue
            meta: dict[str, Any] = {"source": source, "source_format": "telegram"}
            if encoding:
                meta["encoding"] = encoding
            if channel:
                meta["channel"] = channel
                meta["site_name"] = channel
            if chat_id is not None:
                meta["channel_id"] = chat_id
            if msg_id is not None:
                meta["message_id"] = msg_id
                if username:
                    meta["url"] = f"https://t.me/{username.lstrip('@')}/{msg_id}"
            published = parse_date(msg.get("date")) or parse_date(_to_int(msg.get("date_unixtime")))
            if published:
                meta["published"] = published
            else:
                undated.append(_printable(msg_id) if msg_id is not None else f"#{index + 1}")
            # In a channel "from" is the channel itself; only a signed post names a person.
            author = msg.get("author") if is_channel else msg.get("author") or msg.get("from")
            if isinstance(author, str) and author.strip():
                meta["author"] = author.strip()
            forwarded = msg.get("forwarded_from")
            if isinstance(forwarded, str) and forwarded.strip():
                meta["forwarded_from"] = forwarded.strip()
            links = _telegram_links(msg.get("text"), msg.get("text_entities"))
            if links:
                meta["links"] = links
            meta["record"] = _scalar_fields(msg, "text")
            if mend:
                meta = mended.meta(meta)
                note = mended.note()
                if note:
                    result.problems.append(ReadProblem(source, None, f"{name}: {note}", kept=True))
            meta["record_index"] = index
            result.documents.append(Document(text, metadata=meta))
    if not result.documents:
        raise InputError(f"{source}: this Telegram export holds no messages with text")
    if undated:
        n = len(undated)
        shown = ", ".join(undated[:10]) + (", …" if n > 10 else "")
        result.problems.append(ReadProblem(
            source, None, f"{n} message{'s' if n > 1 else ''} without a date (id {shown}) kept undated", kept=True))
    return result


def _to_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
