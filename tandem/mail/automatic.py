"""Is a parsed message automatic? Auto-replies, out-of-office notices, bulk mail and bounces.

Reads the signals of RFC 3834 (Auto-Submitted), Microsoft's and others' auto-reply headers, list
headers, and RFC 3464 delivery status reports, so that the desk never answers a machine and the
outbox can mark the right outbound mail as bounced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32

from tandem.mail.addresses import message_ids, parse_address_list
from tandem.mail.parsing import ParsedMail

_SUPPRESSING = {"all", "autoreply", "oof", "dr", "rn", "nrn"}
_BULK_PRECEDENCE = {"bulk", "list", "junk", "auto_reply"}
_AUTOREPLY_HEADERS = (
    "x-autoreply",
    "x-autorespond",
    "x-auto-response",
    "x-autorepond",
    "x-autoreply-from",
    "x-mail-autoreply",
)
_DAEMONS = {
    "mailer-daemon",
    "mailer_daemon",
    "mailerdaemon",
    "postmaster",
    "mail-daemon",
    "maildaemon",
    "mdaemon",
}
_NOREPLY = re.compile(r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|no[-_.]?response)(?:[-+._].*)?$")
_SUBJECT_PREFIXES = r"^\s*(?:(?:re|aw|sv|antw|fw|fwd|wg|tr|rv|r)\s*:\s*)*"
_OUT_OF_OFFICE = re.compile(
    _SUBJECT_PREFIXES + r"(?:auto(?:matic|matische|matisch|matiskt|matisk)?[ -]?"
    r"(?:reply|response|antwort|antwoord|svar)|autoreply|autoresponder|auto-reply|"
    r"out of (?:the )?office|ooo\b|away from (?:the )?office|on vacation|vacation (?:reply|notice)|"
    r"abwesenheit(?:snotiz|smeldung|snachricht)?|automatische antwort|nicht im büro|"
    r"réponse automatique|reponse automatique|r[ée]ponse en absence|absente? du bureau|"
    r"message d'absence|respuesta autom[áa]tica|fuera de la oficina|risposta automatica|"
    r"fuori ufficio|fuori sede|automatisch antwoord|afwezig|automatiskt svar|fr[åa]nvaro|"
    r"automatisk svar|fravær|odpowied[źz] automatyczna|poza biurem|nieobecno[śs][ćc]|"
    r"автоматический ответ|автоответ|вне офиса|resposta autom[áa]tica|fora do escrit[óo]rio|"
    r"自动回复|自動回覆|自動返信|自動応答|不在)",
    re.I,
)
# Words that mean out-of-office only as the whole subject's opening, or with another signal.
_ABSENCE = re.compile(
    _SUBJECT_PREFIXES + r"(?:absence|absent|away|vacation|holiday|urlaub|"
    r"vacances|vacaciones|ferie|vakantie|congé|ausencia|assenza)\b(\s*[:-]|\s*$)?",
    re.I,
)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery (?:status notification|failure|failed|has failed|problem)|"
    r"mail delivery (?:failed|failure|subsystem)|returned mail|failure notice|non[- ]?delivery|"
    r"could not be delivered|unzustellbar|nicht zugestellt|non remis|impossible de remettre|"
    r"non recapitabile|no se pudo entregar|no entregado|onbestelbaar|niet bezorgd|olevererbart|"
    r"kan ikke leveres|nie dostarczono|не доставлено|недоставленное",
    re.I,
)
_REPORT_TYPE = re.compile(r"report-type\s*=\s*\"?([\w-]+)", re.I)
_STATUS_CODE = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_MESSAGE_ID_LINE = re.compile(r"^[ \t>]*Message-I[Dd][ \t]*:[ \t]*(\S.*)$", re.M)
_DELIVERY_STATUS = ("message/delivery-status", "message/global-delivery-status")
_RETURNED_HEADERS = (
    "message/rfc822",
    "message/global",
    "text/rfc822-headers",
    "message/rfc822-headers",
    "message/global-headers",
)


@dataclass(frozen=True)
class BouncedRecipient:
    address: str
    action: str  # failed, delayed, delivered, relayed, expanded; "" when not reported
    status: str  # an RFC 3463 code such as "5.1.1"; "" when not reported
    diagnostic: str

    @property
    def is_permanent(self) -> bool:
        return self.status.startswith("5") or (self.action == "failed" and not self.status)


@dataclass(frozen=True)
class Bounce:
    recipients: list[BouncedRecipient] = field(default_factory=list)
    original_message_id: str = ""  # the outbound mail that bounced, brackets stripped
    reporting_mta: str = ""


@dataclass(frozen=True)
class Automation:
    is_auto_submitted: bool = False
    suppress_autoreply: bool = False
    is_bulk: bool = False
    is_autoreply_header: bool = False
    from_daemon: bool = False
    from_noreply: bool = False  # not automatic by itself: people send from no-reply addresses
    empty_return_path: bool = False
    is_out_of_office: bool = False
    is_bounce: bool = False
    report_type: str = ""  # multipart/report's report-type: delivery-status, feedback-report...
    bounce: Bounce | None = None

    @property
    def must_not_autoreply(self) -> bool:
        return any(
            (
                self.is_auto_submitted,
                self.suppress_autoreply,
                self.is_bulk,
                self.is_autoreply_header,
                self.from_daemon,
                self.empty_return_path,
                self.is_out_of_office,
                self.is_bounce,
                bool(self.report_type),
            )
        )


def classify(parsed: ParsedMail) -> Automation:
    headers = parsed.headers
    auto_submitted = headers.get("auto-submitted", "").split(";", 1)[0].strip().lower()
    suppress = {
        token.strip().lower() for token in headers.get("x-auto-response-suppress", "").split(",")
    }
    precedence = (headers.get("precedence") or headers.get("x-precedence") or "").lower()
    local_part = parsed.from_address.rsplit("@", 1)[0]
    autoreply_header = any(headers.get(name) for name in _AUTOREPLY_HEADERS) or (
        "reply" in headers.get("x-autogenerated", "").lower()
    )
    report_type = ""
    if parsed.content_type == "multipart/report":
        match = _REPORT_TYPE.search(headers.get("content-type", ""))
        report_type = match.group(1).lower() if match else "unknown"
    signals = dict(
        is_auto_submitted=auto_submitted not in ("", "no"),
        suppress_autoreply=bool(suppress & _SUPPRESSING),
        is_bulk=precedence.strip() in _BULK_PRECEDENCE
        or bool(headers.get("list-id") or headers.get("list-unsubscribe")),
        is_autoreply_header=autoreply_header,
        from_daemon=local_part in _DAEMONS,
        from_noreply=bool(_NOREPLY.match(local_part)),
        empty_return_path=headers.get("return-path", "x").strip() in ("<>", "", "< >"),
        report_type=report_type,
    )
    bounce = _bounce(parsed, report_type, signals)
    out_of_office = bounce is None and _is_out_of_office(
        parsed.subject, auto_submitted, autoreply_header, any(signals.values())
    )
    return Automation(
        **signals, is_out_of_office=out_of_office, is_bounce=bounce is not None, bounce=bounce
    )


def _is_out_of_office(
    subject: str, auto_submitted: str, autoreply_header: bool, other_signal: bool
) -> bool:
    if auto_submitted == "auto-replied" or autoreply_header or _OUT_OF_OFFICE.match(subject):
        return True
    absence = _ABSENCE.match(subject)
    return bool(absence and (absence.group(1) is not None or other_signal))


def _bounce(parsed: ParsedMail, report_type: str, signals: dict) -> Bounce | None:
    recipients, reporting_mta = _delivery_status(parsed)
    failed = [r for r in recipients if r.action in ("failed", "")]
    failed_header = parse_address_list(parsed.headers.get("x-failed-recipients", ""))
    if recipients and not failed and not failed_header:
        return None  # a delay or success notice: automatic, but nothing bounced
    machine = signals["from_daemon"] or signals["empty_return_path"]
    if not (
        failed
        or failed_header
        or report_type == "delivery-status"
        or (machine and _BOUNCE_SUBJECT.search(parsed.subject))
    ):
        return None
    known = {r.address for r in failed}
    failed += [
        BouncedRecipient(address, "failed", "", "")
        for _, address in failed_header
        if address not in known
    ]
    return Bounce(failed, _original_message_id(parsed), reporting_mta)


def _fields(block: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    name = ""
    for line in block.splitlines():
        if line[:1] in (" ", "\t") and name:
            fields[name] += " " + line.strip()
        elif ":" in line:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            fields.setdefault(name, value.strip())
    return fields


def _delivery_status(parsed: ParsedMail) -> tuple[list[BouncedRecipient], str]:
    recipients: list[BouncedRecipient] = []
    reporting_mta = ""
    for attachment in parsed.attachments:
        if attachment.content_type not in _DELIVERY_STATUS:
            continue
        text = attachment.payload.decode("utf-8", "replace").replace("\r\n", "\n")
        for block in re.split(r"\n[ \t]*\n", text):
            fields = _fields(block)
            reporting_mta = reporting_mta or fields.get("reporting-mta", "").split(";")[-1].strip()
            recipient = fields.get("final-recipient") or fields.get("original-recipient")
            if not recipient:
                continue
            status = _STATUS_CODE.search(fields.get("status", ""))
            recipients.append(
                BouncedRecipient(
                    address=recipient.split(";")[-1].strip().strip("<>").lower(),
                    action=fields.get("action", "").split()[0].lower()
                    if fields.get("action")
                    else "",
                    status=status.group(1) if status else "",
                    diagnostic=fields.get("diagnostic-code", "").split(";", 1)[-1].strip(),
                )
            )
    return recipients, reporting_mta


def _original_message_id(parsed: ParsedMail) -> str:
    """The returned message's Message-ID, from the returned headers or the bounce text."""
    for attachment in parsed.attachments:
        if attachment.content_type in _RETURNED_HEADERS:
            headers = BytesHeaderParser(policy=compat32).parsebytes(attachment.payload)
            ids = message_ids(str(headers.get("Message-ID", "")))
            if ids:
                return ids[0]
    for match in _MESSAGE_ID_LINE.finditer(parsed.text):
        ids = message_ids(match.group(1))
        if ids:
            return ids[0]
    return ""
