"""parse_message on crafted mail: headers, charsets, encodings, MIME structures, broken input."""

from __future__ import annotations

import base64
import email
import email.policy
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tandem.mail.parsing import MailParseError, parse_message


def mail(headers: str, body: bytes | str = b"Hello\n", **extra: str) -> bytes:
    lines = [
        "From: Ann Customer <Ann@Example.COM>",
        "To: help@desk.test",
        "Subject: Help",
        "Message-ID: <abc@example.com>",
        "Date: Mon, 2 Apr 2012 18:22:10 +0200",
    ]
    named = {line.split(":", 1)[0].lower() for line in headers.strip().splitlines() if ":" in line}
    base = [line for line in lines if line.split(":", 1)[0].lower() not in named]
    head = "\r\n".join(base + [h for h in headers.strip().splitlines() if h])
    body = body.encode() if isinstance(body, str) else body
    return head.encode("utf-8") + b"\r\n\r\n" + body


# --- headers ----------------------------------------------------------------------------


def test_plain_message_headers():
    parsed = parse_message(
        mail("""
From: "Ann Customer" <Ann@Example.COM>
Reply-To: Billing <Billing@Example.com>, other@example.com
To: Help Desk <help@desk.test>, "Smith, John" <john@example.com>
Cc: =?utf-8?q?J=C3=BCrgen?= <jurgen@example.de>
Subject: =?utf-8?B?UmU6IMOcYmVyd2Vpc3VuZw==?=
 =?utf-8?Q?_f=C3=BCr_April?=   now
Message-ID:  <CAEAsy@mail.gmail.com>
In-Reply-To: <first@example.com> (Ann's message)
References: <root@example.com>
 <first@example.com> <root@example.com>
""")
    )
    assert parsed.message_id == "CAEAsy@mail.gmail.com"
    assert parsed.has_message_id is True
    assert parsed.in_reply_to == "first@example.com"
    assert parsed.references == ["root@example.com", "first@example.com"]
    assert parsed.subject == "Re: Überweisung für April now"
    assert (parsed.from_name, parsed.from_address) == ("Ann Customer", "ann@example.com")
    assert parsed.reply_to == [("Billing", "billing@example.com"), ("", "other@example.com")]
    assert parsed.to == [("Help Desk", "help@desk.test"), ("Smith, John", "john@example.com")]
    assert parsed.cc == [("Jürgen", "jurgen@example.de")]
    assert parsed.date == datetime(2012, 4, 2, 18, 22, 10, tzinfo=timezone(timedelta(hours=2)))
    assert parsed.text == "Hello"
    assert parsed.content_type == "text/plain"
    assert parsed.defects == []


def test_missing_message_id_is_flagged_not_invented():
    parsed = parse_message(b"From: a@example.com\r\nSubject: x\r\n\r\nbody")
    assert (parsed.message_id, parsed.has_message_id) == ("", False)
    assert "no Message-ID" in parsed.defects


def test_message_id_without_brackets():
    assert parse_message(mail("Message-ID: abc.def@example.com")).message_id == (
        "abc.def@example.com"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mon, 2 Apr 2012 18:22:10 -0000", datetime(2012, 4, 2, 18, 22, 10, tzinfo=UTC)),
        ("2 Apr 2012 18:22:10 GMT", datetime(2012, 4, 2, 18, 22, 10, tzinfo=UTC)),
        ("yesterday at noon", None),
        ("Mon, 45 Foo 99999 99:99:99 +9999", None),
    ],
)
def test_date_is_aware_or_none(value, expected):
    parsed = parse_message(mail(f"Date: {value}"))
    assert parsed.date == expected
    assert ("unparseable Date" in parsed.defects) is (expected is None)


def test_raw_8bit_utf8_headers_are_decoded():
    raw = mail("", "x").replace(b"Subject: Help", "Subject: Grüße aus Köln".encode())
    raw = raw.replace(b"Ann Customer", "Ånn Çustomer".encode())
    parsed = parse_message(raw)
    assert parsed.subject == "Grüße aus Köln"
    assert parsed.from_name == "Ånn Çustomer"


def test_group_and_undisclosed_recipients():
    parsed = parse_message(mail("To: undisclosed-recipients:;\r\nCc: Team: a@x.org, b@x.org;"))
    assert parsed.to == []
    assert parsed.cc == [("", "a@x.org"), ("", "b@x.org")]


def test_kept_headers_for_automation():
    parsed = parse_message(
        mail(
            "Auto-Submitted: auto-replied\r\nList-Id: <list.example.com>\r\n"
            "Return-Path: <>\r\nX-Spam: no"
        )
    )
    assert parsed.headers["auto-submitted"] == "auto-replied"
    assert parsed.headers["list-id"] == "<list.example.com>"
    assert parsed.headers["return-path"] == "<>"
    assert "x-spam" not in parsed.headers


# --- charsets and transfer encodings --------------------------------------------------------


@pytest.mark.parametrize(
    ("declared", "body", "expected"),
    [
        ("us-ascii", "Café crème".encode("cp1252"), "Café crème"),
        ("utf-8", "Ça coûte 5 €".encode("cp1252"), "Ça coûte 5 €"),
        ("iso-8859-1", "Grüße".encode(), "Grüße"),
        ("unknown-8bit", "naïve".encode(), "naïve"),
        ("x-user-defined", "naïve".encode("cp1252"), "naïve"),
        ("no-such-charset", "Olá".encode(), "Olá"),
        ("gb2312", "你好世界".encode("gb18030"), "你好世界"),
        ("ks_c_5601-1987", "안녕하세요".encode("cp949"), "안녕하세요"),
        ("iso-2022-jp", "こんにちは".encode("iso2022_jp"), "こんにちは"),
        ("utf-8", "Привет, мир! Как дела? ".encode() * 5 + b"\xff", None),
    ],
)
def test_declared_charset_and_its_fallbacks(declared, body, expected):
    parsed = parse_message(
        mail(
            f"Content-Type: text/plain; charset={declared}\r\nContent-Transfer-Encoding: 8bit", body
        )
    )
    if expected is None:  # mostly UTF-8 with a stray byte: replaced, not cp1252 mojibake
        assert parsed.text.startswith("Привет, мир!") and "\ufffd" in parsed.text
    else:
        assert parsed.text == expected


def test_koi8r_declared_ascii_is_decoded_with_the_subject_charset_as_hint():
    raw = mail(
        "Subject: =?koi8-r?B?"
        + base64.b64encode("Привет".encode("koi8-r")).decode()
        + "?=\r\nContent-Type: text/plain; charset=us-ascii",
        "Добрый день, это тест.".encode("koi8-r"),
    )
    parsed = parse_message(raw)
    assert parsed.subject == "Привет"
    assert parsed.text == "Добрый день, это тест."
    assert any(d.startswith("charset:") for d in parsed.defects)


def test_html_meta_charset_is_used_when_header_has_none():
    html = '<html><head><meta charset="windows-1251"></head><body>Здравствуйте</body></html>'
    parsed = parse_message(mail("Content-Type: text/html", html.encode("cp1251")))
    assert parsed.text == "Здравствуйте"


def test_quoted_printable_soft_breaks_and_escapes():
    parsed = parse_message(
        mail(
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable",
            b"Sch=C3=B6ne Gr=C3=BC=\r\n=C3=9Fe, a long line that wr=\r\napped.\r\n",
        )
    )
    assert parsed.text == "Schöne Grüße, a long line that wrapped."


def test_undeclared_quoted_printable_is_detected():
    parsed = parse_message(
        mail(
            "Content-Type: text/plain; charset=utf-8",
            b"a=3Db and a very long li=\nne that wr=\naps agai=\nn",
        )
    )
    assert parsed.text == "a=b and a very long line that wraps again"


@pytest.mark.parametrize(
    "encoded",
    [
        base64.b64encode(b"Hello world!\n"),  # correct
        base64.b64encode(b"Hello world!\n").rstrip(b"="),  # padding dropped
        b"SGVsbG8g\r\nd29ybGQhCg",  # wrapped, no padding
        b"SGVsbG8g=\r\nd29ybGQhCg==",  # each line padded separately
        base64.b64encode(b"Hello world!\n") + b"\r\n----=_stray--",
    ],
)
def test_base64_with_broken_padding(encoded):
    parsed = parse_message(
        mail("Content-Type: text/plain\r\nContent-Transfer-Encoding: base64", encoded)
    )
    assert parsed.text == "Hello world!"


def test_format_flowed_is_unwrapped():
    parsed = parse_message(
        mail(
            "Content-Type: text/plain; charset=utf-8; format=flowed",
            b"This is one \r\nparagraph.\r\n\r\n> quoted \r\n> line\r\n",
        )
    )
    assert parsed.text == "This is one paragraph.\n\n> quoted line"


# --- structure ------------------------------------------------------------------------------

ALTERNATIVE = """Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

{plain}
--b1
Content-Type: text/html; charset=utf-8

<html><body><p>Hello <b>there</b></p><script>alert(1)</script>
<a href="javascript:alert(2)" onclick="x()">click</a></body></html>
--b1--
"""


def _multipart(structure: str) -> bytes:
    head, body = structure.split("\n\n", 1)
    return mail(head.replace("\n", "\r\n"), body.replace("\n", "\r\n"))


def test_alternative_prefers_plain_text_and_sanitised_html():
    parsed = parse_message(_multipart(ALTERNATIVE.format(plain="Plain hello")))
    assert parsed.text == "Plain hello"
    assert parsed.html.startswith("<p>Hello <b>there</b></p>")
    assert "script" not in parsed.html and "javascript" not in parsed.html
    assert "onclick" not in parsed.html


def test_alternative_with_empty_plain_uses_the_html():
    parsed = parse_message(_multipart(ALTERNATIVE.format(plain="  ")))
    assert parsed.text == "Hello there\n\nclick"


def test_html_only_mail_becomes_readable_text():
    html = (
        "<html><head><style>p{}</style><title>t</title></head><body><h1>Order</h1>"
        "<ul><li>one</li><li>two</li></ul><p>See <a href='https://x.test/a'>docs</a>"
        " &amp; <a href='https://x.test'>https://x.test</a></p></body></html>"
    )
    parsed = parse_message(mail("Content-Type: text/html; charset=utf-8", html))
    assert parsed.text == "Order\n\n- one\n- two\n\nSee docs (https://x.test/a) & https://x.test"


RELATED = """Content-Type: multipart/related; boundary="r"

--r
Content-Type: text/html; charset=utf-8

<p>Logo: <img src="cid:logo@x"></p>
--r
Content-Type: image/png; name="logo.png"
Content-Transfer-Encoding: base64
Content-ID: <logo@x>

iVBORw0KGgo=
--r--
"""


def test_related_inline_image_is_an_inline_attachment_and_cid_stays():
    parsed = parse_message(_multipart(RELATED))
    [image] = parsed.attachments
    assert (image.filename, image.content_type, image.content_id, image.is_inline) == (
        "logo.png",
        "image/png",
        "logo@x",
        True,
    )
    assert image.payload == b"\x89PNG\r\n\x1a\n"
    assert 'src="cid:logo@x"' in parsed.html


@pytest.mark.parametrize(
    ("disposition", "filename"),
    [
        ("attachment; filename*=utf-8''%E2%82%AC%20rates.pdf", "€ rates.pdf"),
        ("attachment; filename*0*=utf-8''Gr%C3%BC%C3%9Fe; filename*1*=%20aus.pdf", "Grüße aus.pdf"),
        ('attachment; filename="=?utf-8?B?w5xiZXJzaWNodC5wZGY=?="', "Übersicht.pdf"),
        ('attachment; filename="..\\..\\windows\\evil.exe"', "evil.exe"),
        ('attachment; filename="../../etc/passwd"', "passwd"),
        ("attachment", "attachment-1.pdf"),
        ('attachment; filename="  .hidden "', "hidden"),
    ],
)
def test_attachment_filenames(disposition, filename):
    parsed = parse_message(
        _multipart(f"""Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: text/plain

see attached
--m
Content-Type: application/pdf
Content-Disposition: {disposition}
Content-Transfer-Encoding: base64

JVBERi0xLjQ=
--m--
""")
    )
    assert parsed.text == "see attached"
    assert [(a.filename, a.payload, a.is_inline) for a in parsed.attachments] == [
        (filename, b"%PDF-1.4", False)
    ]


def test_forwarded_message_is_an_eml_attachment_not_body():
    parsed = parse_message(
        _multipart("""Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: text/plain

See below.
--m
Content-Type: message/rfc822

From: Bob <bob@example.com>
Subject: =?utf-8?q?Invoice_#42_f=C3=BCr_M=C3=A4rz?=
Message-ID: <inner@example.com>

Inner body text
--m--
""")
    )
    assert parsed.text == "See below."
    [forwarded] = parsed.attachments
    assert (forwarded.filename, forwarded.content_type) == (
        "Invoice #42 für März.eml",
        "message/rfc822",
    )
    inner = parse_message(forwarded.payload)
    assert (inner.message_id, inner.text) == ("inner@example.com", "Inner body text")


@pytest.mark.parametrize(
    ("protocol", "signature_type", "name"),
    [
        ("application/pgp-signature", "application/pgp-signature", "signature.asc"),
        ("application/pkcs7-signature", "application/pkcs7-signature", "smime.p7s"),
    ],
)
def test_signed_mail_body_is_the_first_part(protocol, signature_type, name):
    parsed = parse_message(
        _multipart(f"""Content-Type: multipart/signed; boundary="s";
 protocol="{protocol}"

--s
Content-Type: text/plain

Signed words
--s
Content-Type: {signature_type}

-----BEGIN PGP SIGNATURE-----
--s--
""")
    )
    assert parsed.text == "Signed words"
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [(name, signature_type)]


def test_calendar_invite_and_tnef_are_kept_as_attachments():
    tnef = b"\x78\x9f\x3e\x22\x00\x01binary"
    parsed = parse_message(
        _multipart(f"""Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: multipart/alternative; boundary="a"

--a
Content-Type: text/plain

You are invited
--a
Content-Type: text/calendar; method=REQUEST

BEGIN:VCALENDAR
END:VCALENDAR
--a--
--m
Content-Type: application/ms-tnef; name="winmail.dat"
Content-Transfer-Encoding: base64

{base64.b64encode(tnef).decode()}
--m--
""")
    )
    assert parsed.text == "You are invited"
    assert [a.filename for a in parsed.attachments] == ["invite.ics", "winmail.dat"]
    assert parsed.attachments[0].payload.startswith(b"BEGIN:VCALENDAR")
    assert parsed.attachments[1].payload == tnef


def test_mixed_plain_and_html_pieces_all_reach_text_and_html():
    parsed = parse_message(
        _multipart("""Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: text/html

<p>First <i>part</i></p>
--m
Content-Type: text/plain

Second part
--m--
""")
    )
    assert parsed.text == "First part\n\nSecond part"
    assert "<i>part</i>" in parsed.html and "Second part" in parsed.html


def test_quote_split_happens_on_text_and_lazily_on_html():
    parsed = parse_message(
        _multipart("""Content-Type: multipart/alternative; boundary="b"

--b
Content-Type: text/plain

Thanks, fixed.

On Mon, Apr 2, 2012 at 6:26 PM, Bob <bob@example.com> wrote:
> It is broken
--b
Content-Type: text/html

<div>Thanks, fixed.</div><div class="gmail_quote">On Mon, Bob wrote:<blockquote>
It is broken</blockquote></div>
--b--
""")
    )
    assert parsed.new_text == "Thanks, fixed."
    assert parsed.quoted_text.startswith("On Mon, Apr 2, 2012")
    assert parsed.new_html == "<div>Thanks, fixed.</div>"
    assert "It is broken" in parsed.quoted_html


# --- broken input -----------------------------------------------------------------------------


def test_wrong_boundary_is_recovered():
    parsed = parse_message(
        _multipart("""Content-Type: multipart/alternative; boundary="declared"

--actual
Content-Type: text/plain

Recovered text
--actual--
""")
    )
    assert parsed.text == "Recovered text"
    assert "multipart boundary not found; recovered from the body" in parsed.defects


def test_missing_closing_boundary_keeps_the_parts():
    parsed = parse_message(
        _multipart("""Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: text/plain

Body
--m
Content-Type: image/gif
Content-Transfer-Encoding: base64

R0lGODlh
""")
    )
    assert parsed.text == "Body"
    assert [a.filename for a in parsed.attachments] == ["attachment-1.gif"]
    assert "CloseBoundaryNotFoundDefect" in parsed.defects


def test_headerless_text_is_a_body_with_a_defect():
    parsed = parse_message(b"Just some words\nwithout any headers.\n")
    assert parsed.text == "Just some words\nwithout any headers."
    assert "no headers" in parsed.defects


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty message"),
        (b" \r\n\t\r\n", "empty message"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "an Outlook .msg file"),
        (b"\x00\x01\x02\x03binary\x00\xff", "no mail headers and no readable body"),
    ],
)
def test_unusable_input_raises_with_a_reason(raw, reason):
    with pytest.raises(MailParseError) as raised:
        parse_message(raw)
    assert raised.value.reason.startswith(reason)


def test_deep_nesting_is_cut_with_a_defect():
    depth = 60
    head = "".join(
        f'--b{n}\r\nContent-Type: multipart/mixed; boundary="b{n + 1}"\r\n\r\n'
        for n in range(depth)
    )
    raw = mail('Content-Type: multipart/mixed; boundary="b0"', head + "--b60\r\n\r\ndeep\r\n")
    parsed = parse_message(raw)
    assert "MIME nesting too deep; inner parts dropped" in parsed.defects


def test_message_accepted_by_stdlib_generator_round_trips():
    original = email.message_from_bytes(mail("", "Round trip"), policy=email.policy.default)
    assert parse_message(original.as_bytes()).text == "Round trip"
