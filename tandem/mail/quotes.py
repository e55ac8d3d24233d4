"""Splitting a reply into what the sender just wrote, their signature, and the quoted history.

Conservative by design: when unsure the text stays in the new part, and the new part is never
empty when the message had text. Works on plain text (`split_reply`) and on HTML markup from the
common clients (`split_html_reply`).
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass

from tandem.mail.html_text import Element, outline_html

_QUOTED = re.compile(r"^[ \t]{0,3}>")
_OPENER = r"(?:on|am|le|el|op|il|em|den|på|w\s+dniu|dnia|в|在|el\s+día|il\s+giorno)"
# Verbs that end an attribution line ("... wrote:"), in the languages desks meet most.
_VERB_END = (
    r"(?:wrote|writes|a\s+[ée]crit|escribi[óo]|ha\s+escrito|ha\s+scritto|scrisse|escreveu|"
    r"schreef|geschreven|skrev|schrieb|napisa[łl](?:\(a\)|a)?|написал(?:\(а\)|а)?|пишет|"
    r"kirjoitti|írta|yazdı|napsal(?:\(a\))?|έγραψε|写道|寫道|작성|のメッセージ|さんは書きました)"
)
# Verbs after which the name follows before the colon ("Am ... schrieb Max <max@x>:").
_VERB_MID = r"(?:schrieb|skrev|schreef|napisa[łl](?:\(a\)|a)?|написал(?:\(а\)|а)?|escribi[óo])"
_VERB = rf"(?:{_VERB_END}|\b{_VERB_MID}\b.{{1,150}})\s*[:：]\s*$"
# Yahoo writes "--- On ... wrote:".
_STRUCTURED = re.compile(rf"^\s*(?:-{{2,}}\s*)?{_OPENER}\b.{{2,300}}?{_VERB}", re.I)
_GENERIC = re.compile(rf"^.{{0,250}}?{_VERB}", re.I)
_ADDRESS_AT_END = re.compile(r"<?[^\s<>@]{1,100}@[^\s<>@]{1,100}>?\s*[:：]\s*$")
_SPAN_START = re.compile(
    rf"^\s*(?:{_OPENER}\b|\d|(?:mon|tue|wed|thu|fri|sat|sun|lun|mer|jeu|ven|пн|вт|ср|чт|пт|сб|вс)"
    r"\w*[.,]|\"?[\w .'-]{1,60}\"?\s*<)",
    re.I,
)

_ORIGINAL_MESSAGE = re.compile(
    r"^[ \t]*-{2,}[ \t]*(?:original message|original|ursprüngliche nachricht|originalnachricht|"
    r"message d'origine|message original|mensaje original|messaggio originale|"
    r"oorspronkelijk bericht|origineel bericht|ursprungligt meddelande|opprinnelig melding|"
    r"oprindelig meddelelse|wiadomość oryginalna|oryginalna wiadomość|исходное сообщение|"
    r"原始邮件|元のメッセージ|mensagem original|alkuperäinen viesti|eredeti üzenet|"
    r"orijinal ileti)[ \t]*-{2,}[ \t]*$",
    re.I,
)
_HEADER_WORDS = {
    "from": "from von de da van från fra od от kimden lähettäjä feladó από 发件人 寄件者 差出人 "
    "nadawca remetente expéditeur",
    "sent": "sent date gesendet datum envoyé enviado enviada fecha inviato data verzonden "
    "skickat sendt dato wysłano wysłane отправлено дата gönderildi tarih lähetetty "
    "päivämäärä elküldve dátum στάλθηκε 发送时间 日期 寄件日期 送信日時 日付",
    "to": "to an à a para aan till til do кому kime vastaanottaja címzett προς 收件人 宛先 "
    "destinataire",
    "cc": "cc bcc kopie copie cópia kopia копия 抄送 副本",
    "subject": "subject betreff objet asunto oggetto onderwerp ämne emne temat тема konu aihe "
    "tárgy θέμα 主题 主旨 件名 제목 assunto",
}
_HEADER_KIND = {word: kind for kind, words in _HEADER_WORDS.items() for word in words.split()}
_HEADER_LINE = re.compile(
    r"^[ \t]*[*_]{0,2}("
    + "|".join(sorted(map(re.escape, _HEADER_KIND), key=len, reverse=True))
    + r")[*_]{0,2}[ \t]*[:：]",
    re.I,
)
_FORWARDED = re.compile(
    r"forwarded message|begin forwarded|weitergeleitete nachricht|message transféré|"
    r"mensaje reenviado|messaggio inoltrato|doorgestuurd bericht|mensagem encaminhada|"
    r"пересылаемое сообщение|vidarebefordrat",
    re.I,
)
_SEPARATOR = re.compile(r"^[ \t]*[-_=*~]{3,}[ \t]*$")
_DASHES = re.compile(r"^[ \t]*--[ \t]?$")
_UNDERSCORES = re.compile(r"^[ \t]*_{2,}[ \t]*$")
_MOBILE = re.compile(
    r"^[ \t]*(?:sent from my|sent from (?:outlook|mail for|yahoo mail|samsung|aol|gmail|proton|"
    r"windows mail|[\w ]{1,30} for (?:ios|android|iphone|ipad|mac))|sent (?:with|via|using) \w+|"
    r"get outlook for|envoyé de mon|envoyé depuis mon|envoyé à partir de|von meinem|"
    r"gesendet von|enviado desde mi|enviado desde|enviado do meu|inviato da|"
    r"verzonden (?:met|vanaf)|skickat från min|sendt fra min|wysłane z|отправлено с|从我的)"
    r"[^.,:;!?\n]{0,60}$",
    re.I,
)
_DIGIT = re.compile(r"\d")
_MAX_SIGNATURE_LINES = 12
_MAX_CHECKED_LINE = 500

BLANK, TEXT, QUOTE, SIGNATURE = "blank", "text", "quote", "signature"


@dataclass(frozen=True)
class Reply:
    new_text: str
    signature: str
    quoted: str


@dataclass
class _Analysis:
    kinds: list[str]
    hard: int  # first line of history that needs no ">" (Outlook headers, "Original Message")
    lead_end: int  # lines before this are a leading quote (bottom-posting), moved to quoted
    cut: int  # the new part is lines[lead_end:cut]
    history: int  # where the quoted history starts (after any signature)
    history_marked: bool  # history starts with an attribution or header block, not a bare quote


def _attribution_spans(lines: list[str]) -> tuple[dict[int, int], set[int]]:
    """Attribution lines ("On ... wrote:") by end line: {end: start}, and which can stand alone."""
    spans: dict[int, int] = {}
    standalone: set[int] = set()
    for end, line in enumerate(lines):
        stripped = line.rstrip()
        if not stripped.endswith((":", "：")) or len(stripped) > _MAX_CHECKED_LINE:
            continue
        if _QUOTED.match(line):
            continue
        for count in (3, 2, 1):
            start = end - count + 1
            window = lines[start : end + 1] if start >= 0 else []
            if not window or any(not part.strip() or _QUOTED.match(part) for part in window):
                continue
            if count > 1 and not _SPAN_START.match(window[0]):
                continue
            joined = " ".join(part.strip() for part in window)
            if len(joined) > 400:
                continue
            if _STRUCTURED.match(joined):
                spans[end] = start
                if _DIGIT.search(joined):  # real attributions carry a date; prose rarely does
                    standalone.add(end)
                break
            if _GENERIC.match(joined) or _dated_address(joined):
                spans[end] = start
                break
    return spans, standalone


def _dated_address(line: str) -> bool:
    """ "2 апр. 2012 г., Иван <ivan@x.ru>:" - a date and an address, no verb (Gmail in ru, ja)."""
    return "@" in line and bool(_DIGIT.search(line)) and bool(_ADDRESS_AT_END.search(line))


def _header_block_at(lines: list[str], start: int) -> bool:
    kinds = set()
    for line in lines[start : start + 8]:
        match = _HEADER_LINE.match(line) if len(line) < _MAX_CHECKED_LINE else None
        if not match:
            break
        kinds.add(_HEADER_KIND[match.group(1).lower()])
    if "from" not in kinds:
        return False
    previous = next(
        (line for line in reversed(lines[max(start - 3, 0) : start]) if line.strip()), ""
    )
    if _FORWARDED.search(previous):
        return False  # a forwarded message is content, not history
    if len(kinds) >= 3:
        return True
    return "sent" in kinds and bool(_SEPARATOR.match(previous) or _ORIGINAL_MESSAGE.match(previous))


def _signature_line(line: str) -> bool:
    return bool(
        _DASHES.match(line) or _UNDERSCORES.match(line) or (len(line) < 120 and _MOBILE.match(line))
    )


def _analyse(lines: list[str]) -> _Analysis:
    kinds = [
        BLANK if not line.strip() else QUOTE if _QUOTED.match(line) else TEXT for line in lines
    ]
    spans, standalone = _attribution_spans(lines)
    hard = len(lines)
    for end, start in sorted(spans.items()):
        following = next((k for k in kinds[end + 1 : end + 4] if k != BLANK), None)
        if following == QUOTE:
            for index in range(start, end + 1):
                kinds[index] = QUOTE
        elif end in standalone and start < hard:
            hard = start
    for index, line in enumerate(lines[:hard]):
        if kinds[index] != TEXT or len(line) > _MAX_CHECKED_LINE:
            continue
        if _ORIGINAL_MESSAGE.match(line) or (
            _HEADER_LINE.match(line) and _header_block_at(lines, index)
        ):
            hard = index
            break
        if _signature_line(line):
            kinds[index] = SIGNATURE

    while 0 < hard < len(lines) and (kinds[hard - 1] == BLANK or _SEPARATOR.match(lines[hard - 1])):
        hard -= 1  # the rule above Outlook's header block belongs to the history
    cut, pending_bottom, pending_count = hard, -1, 0
    for index in range(hard - 1, -1, -1):
        kind = kinds[index]
        if kind == BLANK:
            continue
        if kind == TEXT:
            if pending_bottom < 0:
                pending_bottom = index
            pending_count += 1
            if pending_count > _MAX_SIGNATURE_LINES:
                break
            continue
        if pending_bottom >= 0 and kind == QUOTE:
            break  # text below a quote: an answer written under it
        pending_bottom, pending_count, cut = -1, 0, index
    if pending_bottom >= 0:
        cut = pending_bottom + 1
    while cut > 0 and (
        kinds[cut - 1] == BLANK
        or _SEPARATOR.match(lines[cut - 1])
        or _ORIGINAL_MESSAGE.match(lines[cut - 1])
    ):
        cut -= 1

    history = next((i for i in range(cut, hard) if kinds[i] == QUOTE), hard)
    marked = history == hard or history in spans.values()  # a header block or an attribution
    lead_end = _leading_quote_end(kinds, cut)
    return _Analysis(kinds, hard, lead_end, cut, history, marked and history < len(lines))


def _leading_quote_end(kinds: list[str], cut: int) -> int:
    """A reply written under one leading quote (bottom-posting): where that quote ends."""
    first = next((i for i in range(cut) if kinds[i] != BLANK), cut)
    if first >= cut or kinds[first] != QUOTE:
        return 0
    end = first
    while end < cut and kinds[end] in (QUOTE, BLANK):
        end += 1
    if end >= cut or QUOTE in kinds[end:cut]:
        return 0
    return end


def _join(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n").rstrip()


def parse_reply(text: str) -> Reply:
    """New text, signature and quoted history of a plain-text reply."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    analysis = _analyse(lines)
    new = _join(lines[analysis.lead_end : analysis.cut])
    if not new.strip():
        return Reply(text.strip("\n").rstrip(), "", "")
    rest = lines[analysis.cut :]
    kinds = analysis.kinds[analysis.cut :]
    signature: list[str] = []
    start = next((i for i, kind in enumerate(kinds) if kind == SIGNATURE), None)
    if start is not None:
        end = next(
            (
                i
                for i in range(start, len(kinds))
                if kinds[i] == QUOTE or i + analysis.cut >= analysis.hard
            ),
            len(kinds),
        )
        signature = rest[start:end]
        rest = rest[:start] + rest[end:]
    quoted = lines[: analysis.lead_end] + rest
    return Reply(new, _join(signature), _join(quoted))


def split_reply(text: str) -> tuple[str, str]:
    """(new text, everything else: signature and quoted history)."""
    reply = parse_reply(text)
    rest = "\n\n".join(part for part in (reply.signature, reply.quoted) if part)
    return reply.new_text, rest


# --- HTML ---------------------------------------------------------------------------------

_TAGS = re.compile(r"<[^>]*>")
_GAP = re.compile(r"^(?:\s|<br\s*/?>|&nbsp;)*$", re.I)


def _classes(element: Element) -> list[str]:
    return element.attrs.get("class", "").split()


def _markup_quote(html: str, elements: list[Element]) -> tuple[int, int] | None:
    """The span of the first quote container that a mail client marked as such."""
    skip_until = -1
    for index, element in enumerate(elements):
        if element.start < skip_until or element.end < 0:
            continue
        classes = _classes(element)
        element_id = element.attrs.get("id", "")
        if "gmail_quote" in classes or "yahoo_quoted" in classes:
            if _FORWARDED.search(_TAGS.sub(" ", html[element.start : element.start + 800])):
                skip_until = element.end  # a forward is content, not history
                continue
            return element.start, element.end
        if "moz-cite-prefix" in classes:
            quote = next(
                (
                    e
                    for e in elements[index + 1 :]
                    if e.tag == "blockquote"
                    and e.start >= element.end
                    and e.parent == element.parent
                ),
                None,
            )
            end = (
                quote.end if quote and _GAP.match(html[element.end : quote.start]) else element.end
            )
            return element.start, end
        if element.tag == "blockquote" and element.attrs.get("type", "").lower() == "cite":
            return _with_attribution(html, elements, index), element.end
        if (
            element_id.endswith(("divRplyFwdMsg", "appendonsend"))
            or element_id == "OLK_SRC_BODY_SECTION"
        ):
            start = element.start
            rule = next(
                (
                    e
                    for e in reversed(elements[:index])
                    if e.tag == "hr" and e.parent == element.parent
                ),
                None,
            )
            if rule and _GAP.match(html[rule.end : element.start] if rule.end >= 0 else "x"):
                start = rule.start
            return start, len(html)
    return None


def _with_attribution(html: str, elements: list[Element], index: int) -> int:
    """Extend a cited blockquote to the attribution element just before it (Apple Mail)."""
    quote = elements[index]
    previous = next(
        (
            e
            for e in reversed(elements[:index])
            if e.parent == quote.parent and e.tag != "br" and 0 <= e.end <= quote.start
        ),
        None,
    )
    if previous is None or not _GAP.match(html[previous.end : quote.start]):
        return quote.start
    text = " ".join(html_lib.unescape(_TAGS.sub(" ", html[previous.start : previous.end])).split())
    if len(text) < 400 and (_STRUCTURED.match(text) or _GENERIC.match(text)):
        return previous.start
    return quote.start


def split_html_reply(html: str) -> tuple[str, str]:
    """(new HTML, quoted HTML), both unsanitised; when unsure everything stays new."""
    if not html or not html.strip():
        return html or "", ""
    outline = outline_html(html)
    candidates = []
    marked = _markup_quote(html, outline.elements)
    if marked:
        candidates.append(marked)
    analysis = _analyse(outline.lines)
    if analysis.history < len(outline.lines) and analysis.history_marked:
        candidates.append((outline.offsets[analysis.history], len(html)))
    if not candidates:
        return html, ""
    start, end = min(candidates)
    has_new_text = any(
        line.strip(" >") and (offset < start or offset >= end)
        for line, offset in zip(outline.lines, outline.offsets, strict=True)
    )
    if not has_new_text or start <= 0:
        return html, ""
    return html[:start] + html[end:], html[start:end]
