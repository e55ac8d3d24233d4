"""Decoding header values without raising: lying charsets, RFC 2047 words, mailboxes, Message-IDs.

The lowest layer of the mail parser: every function takes what a sender wrote (possibly raw 8-bit)
and returns clean text; nothing here knows about MIME structure.
"""

from __future__ import annotations

import binascii
import codecs
import contextlib
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache

# Labels senders use that Python does not know, or knows as a narrower charset than the one
# actually meant (WHATWG's encoding standard makes the same substitutions in browsers).
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "chinese": "gb18030",
    "euc-cn": "gb18030",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "korean": "cp949",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "ascii",
    "ansi_x3.4-1968": "ascii",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "tis-620": "cp874",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "big5": "big5hkscs",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
}
# Labels meaning "we do not know": treat as undeclared.
_UNKNOWN_CHARSETS = {
    "",
    "unknown-8bit",
    "x-unknown",
    "unknown",
    "x-user-defined",
    "default",
    "charset",
    "8bit",
    "7bit",
    "binary",
    "none",
    "auto",
    "_autodetect_all",
    "x-binaryenc",
}
# Codecs that decode escapes or are not text encodings: never let a sender pick them.
_REFUSED_CODECS = {
    "unicode_escape",
    "raw_unicode_escape",
    "idna",
    "punycode",
    "undefined",
    "rot-13",
}
_SINGLE_BYTE_PREFIXES = ("cp125", "latin", "iso8859", "koi8", "mac", "ascii", "cp8")
_SEVEN_BIT_CODECS = ("iso2022", "utf-16", "utf-32", "utf-7", "hz")
_META_CHARSET = re.compile(
    rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]{2,40})", re.I
)


@lru_cache(maxsize=256)
def codec_for(label: str | None) -> str | None:
    """The Python codec name for a declared charset label, or None when unusable."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower().split("*", 1)[0]
    if label in _UNKNOWN_CHARSETS:
        return None
    label = _CHARSET_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):
        return None
    if name in _REFUSED_CODECS or not getattr(codecs.lookup(name), "_is_text_encoding", True):
        return None
    return name


def charset_in_html(data: bytes) -> str | None:
    """The charset an HTML document declares in its <meta> tags, if any."""
    match = _META_CHARSET.search(data[:4096])
    return codec_for(match.group(1).decode("ascii")) if match else None


def decode_bytes(data: bytes, charset: str | None, hints: tuple[str, ...] = ()) -> tuple[str, str]:
    """Decode `data` declared as `charset`, trying UTF-8, `hints` and cp1252 when the label lies.

    Returns the text and a short note (empty when the declared charset was right).
    """
    declared = codec_for(charset)
    if data.isascii() and not (declared and declared.startswith(_SEVEN_BIT_CODECS)):
        return data.decode("ascii"), ""
    if declared:
        try:
            text = data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
        else:
            if declared.startswith(_SINGLE_BYTE_PREFIXES):
                # Any bytes decode as a single-byte charset; valid UTF-8 multibyte text
                # labelled latin-1 is by far the more common truth.
                try:
                    return data.decode("utf-8"), f"declared {charset} but content is utf-8"
                except UnicodeDecodeError:
                    pass
            return text, ""
    if declared in (None, "utf-8") and _mostly_utf8(data):
        text = data.decode("utf-8", "replace")
        return text, f"declared {charset or 'no charset'}, {text.count(chr(0xFFFD))} bad bytes"
    tried = {declared}
    for candidate in ("utf-8", *hints, "cp1252"):
        codec = codec_for(candidate)
        if codec in tried or codec is None:
            continue
        tried.add(codec)
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        return text, f"declared {charset or 'no charset'}, decoded as {codec}"
    return data.decode(declared or "cp1252", "replace"), f"undecodable bytes in {charset}"


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]{1,3}")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 text with a few stray bytes: replacing them beats decoding all of it wrongly."""
    sequences = len(_UTF8_SEQUENCE.findall(data))
    if not sequences:
        return False
    stray = len(_HIGH_BYTE.findall(_UTF8_SEQUENCE.sub(b"", data)))
    return stray * 4 < sequences


def header_text(raw: str) -> str:
    """A raw header value as text: 8-bit bytes (kept as surrogates by the parser) decoded."""
    if not raw.isascii():
        with contextlib.suppress(UnicodeEncodeError):  # already real text
            raw = decode_bytes(raw.encode("ascii", "surrogateescape"), "utf-8")[0]
    return raw.replace("\r", "").replace("\n", "")


_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,40})\?([bBqQ])\?([^?]{0,2000}?)\?=")
_BETWEEN_WORDS = re.compile(r"[ \t]*")


def decode_base64(data: bytes) -> bytes:
    """Base64 that forgives: missing or per-line padding, junk characters, a stray MIME boundary."""
    boundary = data.find(b"\n--")
    if boundary != -1:
        data = data[:boundary]
    if b"=" not in data.rstrip().rstrip(b"="):
        try:
            return binascii.a2b_base64(data, strict_mode=False)
        except binascii.Error:
            pass
    decoded = []
    for segment in re.findall(rb"[^=]+", re.sub(rb"[^A-Za-z0-9+/=]", b"", data)):
        if len(segment) % 4 == 1:
            segment = segment[:-1]
        try:
            decoded.append(binascii.a2b_base64(segment + b"=" * (-len(segment) % 4)))
        except binascii.Error:
            continue
    return b"".join(decoded)


def decode_words(value: str, hints: tuple[str, ...] = ()) -> str:
    """Decode RFC 2047 encoded words (also the non-compliant ones inside quotes or words)."""
    value = header_text(value)
    if "=?" not in value:
        return value
    out: list[str] = []
    pending = b""
    pending_charset: str | None = None
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        gap = value[position : match.start()]
        charset, kind, encoded = match.groups()
        charset = charset.split("*", 1)[0]
        if gap and not (pending_charset and _BETWEEN_WORDS.fullmatch(gap)):
            if pending_charset:
                out.append(decode_bytes(pending, pending_charset, hints)[0])
                pending, pending_charset = b"", None
            out.append(gap)
        if kind in "bB":
            chunk = decode_base64(encoded.encode("ascii", "replace"))
        else:
            chunk = binascii.a2b_qp(encoded.encode("ascii", "replace"), header=True)
        if pending_charset and pending_charset.lower() != charset.lower():
            out.append(decode_bytes(pending, pending_charset, hints)[0])
            pending = b""
        # Words of one charset are joined before decoding: senders split multibyte characters.
        pending += chunk
        pending_charset = charset
        position = match.end()
    if pending_charset:
        out.append(decode_bytes(pending, pending_charset, hints)[0])
    out.append(value[position:])
    return "".join(out)


def charsets_in_words(value: str) -> tuple[str, ...]:
    """The charsets named by encoded words: hints for decoding undeclared bodies."""
    if "=?" not in value:
        return ()
    return tuple({m.group(1).split("*", 1)[0].lower() for m in _ENCODED_WORD.finditer(value)})


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(value: str) -> str:
    """Drop control characters and lone surrogates that databases and browsers refuse."""
    return _CONTROL.sub("", value) if not value.isprintable() else value


def collapse_whitespace(value: str) -> str:
    return " ".join(clean_text(value).split())


def _split_outside_quotes(value: str, separators: str) -> list[str]:
    parts, current, quoted, angle, comment, escaped = [], [], False, False, 0, False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"' and not comment:
            quoted = not quoted
        elif not quoted:
            if char == "(":
                comment += 1
            elif char == ")" and comment:
                comment -= 1
            elif char == "<":
                angle = True
            elif char == ">":
                angle = False
            elif char in separators and not angle and not comment:
                parts.append("".join(current))
                current = []
                continue
        current.append(char)
    parts.append("".join(current))
    return parts


_ANGLE_ADDRESS = re.compile(r"<([^<>]*)>")
_COMMENT = re.compile(r"\(([^()]*)\)")
_GROUP_PREFIX = re.compile(r'^\s*[^"<>@,:]{0,80}:(?!:)')


def parse_address_list(raw: str, hints: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Mailboxes in an address header as (display name, lower-cased address) pairs.

    Handles groups, comments, quoted names holding commas or addresses, and encoded words
    (decoded only after splitting, so an encoded comma does not split a name).
    """
    text = header_text(raw)
    if "=?" in text and "@" not in _ENCODED_WORD.sub("", text):
        text = decode_words(text, hints)  # the whole mailbox was encoded, address included
    mailboxes = []
    for chunk in _split_outside_quotes(text, ",;"):
        chunk = _GROUP_PREFIX.sub("", chunk, count=1) if ":" in chunk else chunk
        chunk = chunk.strip()
        if not chunk:
            continue
        angle = _ANGLE_ADDRESS.findall(chunk)
        if angle:
            address = angle[-1]
            name = _ANGLE_ADDRESS.sub("", chunk)
        else:
            comment = _COMMENT.search(chunk)
            name = comment.group(1) if comment else ""
            address = _COMMENT.sub("", chunk)
        address = "".join(address.split()).strip("\"'").lower()
        if address.startswith("mailto:"):
            address = address[7:]
        if not address:
            continue
        name = name.strip().strip('"').strip().replace('\\"', '"')
        name = collapse_whitespace(decode_words(name, hints)) if name else ""
        if name.lower() == address:
            name = ""
        mailboxes.append((name, clean_text(address)))
    return mailboxes


_MESSAGE_ID = re.compile(r"<([^<>\s]{1,900})>")


def message_ids(raw: str) -> list[str]:
    """Message-IDs in a header, angle brackets stripped, in header order, duplicates dropped."""
    text = header_text(raw)
    found = _MESSAGE_ID.findall(text)
    if not found:
        found = [token.strip("<>,;") for token in text.split() if "@" in token]
    unique: dict[str, None] = {}
    for message_id in found:
        message_id = clean_text(message_id)
        if message_id:
            unique.setdefault(message_id, None)
    return list(unique)


def parse_date(raw: str) -> datetime | None:
    """An aware datetime from a Date header; None when unparseable or absurd."""
    try:
        parsed = parsedate_to_datetime(header_text(raw).strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


_PARAMETER = re.compile(r';\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"?|[^;]*)')
_RFC2231 = re.compile(r"^(?P<name>[^*]+)\*(?:(?P<number>\d+)(?P<encoded>\*)?)?$")
_UNSAFE_IN_FILENAME = re.compile(r'[\x00-\x1f\x7f<>:"|?*\\/]')


def parse_parameters(value: str) -> tuple[str, dict[str, str]]:
    """A MIME header's main value (lower-cased) and its parameters, RFC 2231 ones decoded."""
    main = value.split(";", 1)[0].strip().strip('"').lower()
    plain: dict[str, str] = {}
    extended: dict[str, list[tuple[int, str, bool]]] = {}
    for name, raw in _PARAMETER.findall(value[len(value.split(";", 1)[0]) :]):
        name = name.lower()
        raw = raw.strip()
        if raw.startswith('"'):
            raw = raw[1:-1] if raw.endswith('"') and len(raw) > 1 else raw[1:]
            raw = raw.replace('\\"', '"').replace("\\\\", "\\")
        match = _RFC2231.match(name)
        if match:
            number = int(match.group("number") or 0)
            encoded = match.group("number") is None or bool(match.group("encoded"))
            extended.setdefault(match.group("name"), []).append((number, raw, encoded))
        else:
            plain.setdefault(name, raw)
    for name, pieces in extended.items():
        plain[name] = _rfc2231_value(sorted(pieces, key=lambda piece: piece[0]))
    return main, plain


def _rfc2231_value(pieces: list[tuple[int, str, bool]]) -> str:
    charset = ""
    data = b""
    for index, (_, value, encoded) in enumerate(pieces):
        if encoded and index == 0 and value.count("'") >= 2:
            charset, _, value = value.split("'", 2)
        if encoded:
            data += re.sub(
                rb"%([0-9A-Fa-f]{2})",
                lambda m: bytes([int(m.group(1), 16)]),
                value.encode("utf-8", "surrogateescape"),
            )
        else:
            data += value.encode("utf-8", "surrogateescape")
    return decode_bytes(data, charset or "utf-8")[0]


def safe_filename(name: str) -> str:
    """A sender's file name reduced to a harmless base name ("" when nothing is left)."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_IN_FILENAME.sub("_", collapse_whitespace(name)).strip(" .")
    if len(name) > 180:
        stem, dot, extension = name.rpartition(".")
        name = stem[:170] + dot + extension[:9] if dot and len(extension) < 10 else name[:180]
    return name
