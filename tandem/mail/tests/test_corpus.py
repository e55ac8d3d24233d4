"""Every message of the shared real-world corpus, and mutations of it, parse cleanly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.mail.automatic import classify
from tandem.mail.html_text import html_to_text
from tandem.mail.parsing import MailParseError, ParsedMail, parse_message
from tandem.mail.tests.mutations import mutate

CORPUS = Path("/work/shared/data/mail")
NOT_MAIL = {"README.md", "LICENSE", "NOTICE"}
FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name not in NOT_MAIL)
QUARANTINED = {"mail-parser/mail_outlook_1": "Outlook .msg"}

_BASE64_LINE = re.compile(r"^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[A-Za-z0-9+/]{60,76}={0,2}$", re.M)
_SOFT_BREAK = re.compile(r"(?<![=\s])=\n")  # "wr=\note"; rules of "=====" are fine
_ENCODED_WORD = re.compile(r"=\?[\w.:-]+\?[bq]\?", re.I)
_EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)

pytestmark = pytest.mark.skipif(not FILES, reason="shared mail corpus not present")


def _name(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def _parse(name: str) -> ParsedMail:
    return parse_message((CORPUS / name).read_bytes())


def _has_body(raw: bytes) -> bool:
    head, separator, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    return bool((body if separator else head).strip())


@pytest.mark.parametrize("path", FILES, ids=_name)
def test_corpus_message_parses_to_readable_safe_text(path):
    raw = path.read_bytes()
    try:
        parsed = parse_message(raw)
    except MailParseError as error:
        assert _name(path) in QUARANTINED
        assert QUARANTINED[_name(path)] in error.reason
        return
    assert _name(path) not in QUARANTINED
    assert isinstance(parsed.text, str)
    if _has_body(raw):
        assert parsed.text.strip() or parsed.attachments
        assert parsed.new_text.strip() or not parsed.text.strip()
    assert not _SOFT_BREAK.search(parsed.text)
    assert not _BASE64_LINE.search(parsed.text)
    assert "\x00" not in parsed.text
    assert not _ENCODED_WORD.search(parsed.subject)
    assert not _ENCODED_WORD.search(parsed.from_name)
    for attachment in parsed.attachments:
        assert attachment.filename
        assert "/" not in attachment.filename and "\\" not in attachment.filename
        assert not _ENCODED_WORD.search(attachment.filename)
    for html in (parsed.html, parsed.new_html, parsed.quoted_html):
        assert "<script" not in html.lower()
        assert not _EVENT_HANDLER.search(html)
        assert "javascript:" not in html.lower()
    assert parsed.size == len(raw)
    classify(parsed)  # never raises either


def test_outlook_msg_file_is_quarantined_with_a_reason():
    with pytest.raises(MailParseError) as raised:
        _parse("mail-parser/mail_outlook_1")
    assert raised.value.reason == (
        "an Outlook .msg file (OLE compound document), not RFC 5322 mail"
    )


def test_gb2312_spam_subject_and_sender_are_decoded():
    parsed = _parse("mail-parser/mail_test_12")
    assert parsed.subject == "代开各地增值税发票"
    assert (parsed.from_name, parsed.from_address) == ("张先生", "baoguan@hotmail.com")
    assert parsed.text.startswith("你好！我公司可代开各类增值税发票")


def test_encoded_comma_in_display_name_does_not_split_the_mailbox():
    parsed = _parse("mail-parser/mail_test_18")
    assert (parsed.from_name, parsed.from_address) == (
        "LastßlName, FirstName",
        "comma.name@example.com",
    )


def test_address_as_display_name_keeps_the_real_address():
    parsed = _parse("mail-parser/mail_test_19")
    assert (parsed.from_name, parsed.from_address) == ("alice@example.com", "bob@example.com")


def test_fully_encoded_from_header_yields_the_address():
    parsed = _parse("mail-parser/mail_test_17")
    assert parsed.subject == "Transferencia Interbancaria Banca en Línea"
    assert parsed.from_address == "notificaccion-clientes@bbva.mx"


def test_latin1_subject_and_inline_images_of_a_newsletter():
    parsed = _parse("mail-parser/mail_test_5")
    assert parsed.subject == "Je prépare mon été zéro complexe !"
    assert [a.is_inline for a in parsed.attachments] == [True] * 5
    assert parsed.attachments[0].filename == (
        "mailingassets_d68799cd6301c7f5731a3c42946e528bcb78eb84.jpg"
    )
    assert parsed.attachments[0].content_type == "image/jpeg"


def test_related_images_and_pdf_of_the_weather_bulletin():
    parsed = _parse("mail-parser/mail_test_2")
    assert parsed.subject == "Bollettino Meteorologico del 29/11/2015"
    assert parsed.from_address == "meteo@regione.vda.it"
    assert [(a.filename, a.content_id, a.is_inline) for a in parsed.attachments] == [
        ("intestazione.jpg", "intestazione.jpg", True),
        ("logometeo.jpg", "logo.jpg", True),
        ("Bollettino.pdf", "", False),
    ]
    assert parsed.attachments[2].payload.startswith(b"%PDF")
    assert parsed.text.startswith("\t\tUfficio Meteorologico")


def test_ibm_mail_keeps_unnamed_inline_gifs_and_named_pdf():
    parsed = _parse("mail-parser/mail_test_10")
    assert [a.filename for a in parsed.attachments] == [
        "attachment-1.gif",
        "attachment-2.gif",
        "attachment-3.gif",
        "Move To Eight ZWEP6227F.pdf",
    ]
    assert parsed.text.startswith("Gentili Business Partner, vi segnalo che oggi è")


def test_boundary_that_never_occurs_is_recovered_from_the_body():
    parsed = _parse("mail-parser/mail_malformed_3")
    assert parsed.subject == "Ahorre Dinero en su Recibo de Luz"
    assert parsed.reply_to == [("VICTORIA Souvenirs", "smgesi4@gmail.com")]
    assert "multipart boundary not found; recovered from the body" in parsed.defects
    assert parsed.text.startswith("Problemas para visualizar | Ver on-line")
    assert "<table" in parsed.html or "<a" in parsed.html


def test_reused_boundary_keeps_the_attachment_after_the_close():
    parsed = _parse("mail-parser/mail_malformed_1")
    assert parsed.text == "--Sent from my iPhone"
    assert [a.filename for a in parsed.attachments] == ["20160523_916527.jpg_.zip"]
    assert parsed.attachments[0].payload.startswith(b"PK")


def test_html_only_russian_newsletter_becomes_text():
    parsed = _parse("mail-parser/mail_test_6")
    assert parsed.subject == "Быстрее вкладывайте в золото!"
    assert parsed.from_address == "noreply@ggg.com"
    assert "Профиль" in parsed.text
    assert len(parsed.attachments) == 4


def test_real_bounce_names_the_failed_recipient_and_original_message():
    automation = classify(_parse("mail-parser/mail_malformed_2"))
    assert automation.is_bounce and automation.must_not_autoreply
    assert automation.bounce.original_message_id == (
        "004801d1fc84$01c934ac$b247f0b7$@infospacemail.com"
    )
    assert [(r.address, r.action, r.status) for r in automation.bounce.recipients] == [
        ("abh@netpar.com.br", "failed", "4.2.2")
    ]


@pytest.mark.parametrize(
    "client",
    [
        "android",
        "aol",
        "apple_mail",
        "apple_mail_2",
        "comcast",
        "gmail",
        "hotmail",
        "iphone",
        "outlook",
        "sparrow",
        "thunderbird",
        "yahoo",
    ],
)
def test_standard_client_replies_have_hello_as_new_text(client):
    parsed = _parse(f"talon/standard_replies/{client}.eml")
    assert parsed.new_text == "Hello"
    assert parsed.quoted_text


@pytest.mark.parametrize("client", ["iphone", "sparrow"])
def test_talon_expected_reply_text_is_new_text_plus_signature(client):
    parsed = _parse(f"talon/standard_replies/{client}.eml")
    expected = (CORPUS / f"talon/standard_replies/{client}_reply_text").read_text()
    ours = parsed.new_text + "\n\n" + parsed.signature
    assert ours.split() == expected.split()


def test_headerless_html_fixture_is_sniffed_and_split():
    parsed = _parse("talon/html_replies/gmail.html")
    assert "no Content-Type; body sniffed as HTML" in parsed.defects
    assert parsed.new_text == "Hi. I am fine.\n\nThanks,\nAlex"
    assert "gmail_quote" not in parsed.new_html
    assert "Sasha" in parsed.quoted_html and "Sasha" not in parsed.new_html


def test_yahoo_reply_whose_quote_shares_its_block():
    parsed = _parse("talon/reply-quotations-share-block.eml")
    assert parsed.subject == "Re: You've got a new booking inquiry!"
    assert parsed.new_text.startswith("Hi Katharine.")
    assert parsed.new_text.endswith("Joe XXX")
    assert "From" not in parsed.new_text
    assert parsed.quoted_text.startswith("--- On Wed, 4/4/12, xxx@example.com")


# --- never raises: random bytes, header soups, mutated corpus messages ---

SAMPLES = [p.read_bytes() for p in FILES if p.suffix in ("", ".eml") and p.stat().st_size < 8000]
SAMPLES = SAMPLES or [b"From: a@example.com\r\nSubject: fallback\r\n\r\nbody"]


def _check(raw: bytes) -> None:
    try:
        parsed = parse_message(raw)
    except MailParseError as error:
        assert error.reason
        return
    assert isinstance(parsed, ParsedMail)
    assert isinstance(parsed.text, str) and isinstance(parsed.new_text, str)
    assert "<script" not in parsed.html.lower()
    assert "\x00" not in parsed.text + parsed.subject + parsed.from_name
    for attachment in parsed.attachments:
        assert attachment.filename and "/" not in attachment.filename
    assert parsed.new_html is not None  # the lazy split must not raise either
    html_to_text(parsed.html)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_raise_anything_but_mail_parse_error(raw):
    _check(raw)


_HEADER_NAMES = st.sampled_from(
    [
        "Content-Type",
        "Content-Transfer-Encoding",
        "Content-Disposition",
        "Subject",
        "From",
        "To",
        "Message-ID",
        "References",
        "Date",
        "Content-ID",
        "X-Odd",
    ]
)
_HEADER_VALUES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            'multipart/mixed; boundary="x"',
            "multipart/alternative; boundary=x",
            "text/html",
            "message/rfc822",
            "message/delivery-status",
            "base64",
            "quoted-printable",
            "text/plain; charset=utf-7",
            "attachment; filename*=x''%FF",
            "=?x?Q?a?=",
            "<>",
            "text/plain; charset=base64",
            'multipart/related; start="<a>"; boundary=x',
        ]
    ),
)


@st.composite
def header_soups(draw):
    headers = draw(st.lists(st.tuples(_HEADER_NAMES, _HEADER_VALUES), max_size=8))
    head = "\r\n".join(f"{name}: {value}" for name, value in headers)
    body = draw(
        st.lists(
            st.sampled_from(
                [
                    "--x",
                    "--x--",
                    "Content-Type: text/plain",
                    "",
                    "=",
                    "SGVsbG8",
                    "<p>hi</p>",
                    "> quoted",
                    "-- ",
                ]
            ),
            max_size=12,
        )
    )
    return (head + "\r\n\r\n" + "\r\n".join(body)).encode("utf-8", "surrogatepass")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header_soups())
def test_random_mime_header_soups_never_raise(raw):
    _check(raw)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_arbitrary_text_never_raises(text):
    _check(text.encode("utf-8", "surrogatepass"))


@st.composite
def mutated_messages(draw):
    return mutate(draw, draw(st.sampled_from(SAMPLES)), _INSERTIONS)


_INSERTIONS = [
    b"\r\n--",
    b"\r\n\r\n",
    b"=?utf-8?B?",
    b'Content-Type: multipart/mixed; boundary="x"\r\n',
    b"\r\n--x\r\n",
    b"=\r\n",
    b"\xff\xfe",
    b"<script>",
    b"Content-Transfer-Encoding: base64\r\n",
    b"; filename*0*=x''%ZZ",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_messages())
def test_mutated_real_messages_never_raise(raw):
    _check(raw)
