"""Splitting replies into new text, signature and quoted history (plain text and HTML)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.mail.html_text import html_to_text
from tandem.mail.quotes import parse_reply, split_html_reply, split_reply

CORPUS = Path("/work/shared/data/mail")
REPLY_PARSER = CORPUS / "email_reply_parser"
HTML_REPLIES = CORPUS / "talon" / "html_replies"
needs_corpus = pytest.mark.skipif(not REPLY_PARSER.is_dir(), reason="shared corpus missing")


def fixture(name: str) -> str:
    return (REPLY_PARSER / f"{name}.txt").read_text()


# --- the github/email_reply_parser fixtures ----------------------------------------------


@needs_corpus
@pytest.mark.parametrize(
    ("name", "new_text"),
    [
        ("email_2_1", "Outlook with a reply"),
        ("email_2_2", "Outlook with a reply directly above line"),
        ("email_2_3", "Outlook with a reply directly above line"),
        ("email_iPhone", "Here is another email"),
        ("email_BlackBerry", "Here is another email"),
        ("email_multi_word_sent_from_my_mobile_device", "Here is another email"),
        (
            "email_sent_from_my_not_signature",
            "Here is another email\n\nSent from my desk, is much easier then my mobile phone.",
        ),
        (
            "email_bullets",
            "test 2 this should list second\n\nand have spaces\n\n"
            "and retain this formatting\n\n\n   - how about bullets\n   - and another",
        ),
        ("email_1_4", "Awesome! I haven't had another problem with it."),
        ("email_1_7", ":+1:"),
        ("correct_sig", "this is an email with a correct -- signature."),
    ],
)
def test_reply_parser_fixture_new_text(name, new_text):
    assert split_reply(fixture(name))[0] == new_text


@needs_corpus
def test_mailing_list_footer_is_not_new_text():
    reply = parse_reply(fixture("email_1_1"))
    assert reply.new_text.startswith("Hi folks\n\nWhat is the best way")
    assert reply.new_text.endswith("I am currently using the Java HTTP API.\n\n-Abhishek Kona")
    assert reply.signature.startswith("_____")
    assert reply.signature.endswith("listinfo/riak-users_lists.basho.com")
    assert reply.quoted == ""


@needs_corpus
def test_top_post_keeps_sign_off_and_quotes_the_thread():
    reply = parse_reply(fixture("email_1_3"))
    assert reply.new_text == ("Oh thanks.\n\nHaving the function would be great.\n\n-Abhishek Kona")
    assert reply.quoted.startswith("On 01/03/11 7:07 PM, Russell Brown wrote:\n> Hi,")


@needs_corpus
def test_bottom_post_under_a_partial_quote_keeps_the_context():
    reply = parse_reply(fixture("email_1_2"))
    assert reply.new_text.startswith("Hi,\nOn Tue, 2011-03-01 at 18:02 +0530, Abhishek Kona wrote:")
    assert reply.new_text.endswith('you’ll need to delete them all individually."')
    assert reply.quoted.startswith("> \n> -Abhishek Kona")


@needs_corpus
def test_inline_replies_are_kept_with_their_quotes():
    reply = parse_reply(fixture("email_1_8"))
    assert reply.new_text.startswith("On Tue, Apr 29, 2014 at 4:22 PM")
    assert "I will reply under this one" in reply.new_text
    assert reply.new_text.endswith("and under this.")
    assert reply.signature == "--\nHey there, this is my signature"
    assert reply.quoted.startswith(">\n> -- Tim")


@needs_corpus
@pytest.mark.parametrize(
    ("name", "starts", "quoted_starts"),
    [
        (
            "email_1_6",
            "I get proper rendering as well.",
            "On Dec 16, 2011, at 12:47 PM, Corey Donohoe",
        ),
        ("email_one_is_not_on", "Thank, this is really helpful.", "On Oct 1, 2012, at 11:55 PM"),
        ("greedy_on", "On your remote host you can run:", "On 9 Jan 2014, at 2:47, George"),
    ],
)
def test_attribution_split_over_lines_or_after_an_on_paragraph(name, starts, quoted_starts):
    new_text, rest = split_reply(fixture(name))
    assert new_text.startswith(starts)
    assert rest.startswith(quoted_starts)
    assert "wrote:" not in new_text


@needs_corpus
def test_windows_line_endings():
    reply = parse_reply(fixture("email_1_7"))
    assert reply.quoted.startswith("On Tue, Sep 25, 2012 at 8:59 AM, Chris Wanstrath\n")
    assert "\r" not in reply.quoted


@needs_corpus
def test_text_without_quotes_or_signature_is_all_new():
    for name in ("email_1_5", "email_sig_delimiter_in_middle_of_line"):
        text = fixture(name)
        assert split_reply(text) == (text.strip(), "")


@needs_corpus
def test_pathological_and_huge_quotes_are_fast():
    started = time.perf_counter()
    assert split_reply(fixture("pathological"))[0].startswith("I think you're onto something.")
    long_new, long_rest = split_reply(fixture("email_long_quote"))
    assert time.perf_counter() - started < 1
    assert long_new.startswith("Hi folks")


# --- attributions and Outlook headers in many languages ----------------------------------


@pytest.mark.parametrize(
    "attribution",
    [
        "On Mon, Apr 2, 2012 at 6:26 PM, Megan One <megan@example.com> wrote:",
        "On Apr 3, 2012, at 4:19 PM, bob <bob@example.com> wrote:",
        "Am 02.04.2012 um 14:20 schrieb Max Mustermann <max@example.de>:",
        "Max Mustermann <max@example.de> schrieb am Mo., 2. Apr. 2012 um 14:20:",
        "Le 2 avr. 2012 à 14:20, Jean <jean@example.fr> a écrit :",
        "El 2 abr 2012, a las 14:20, Juan <juan@example.es> escribió:",
        "Op 2 apr. 2012 om 14:20 heeft Jan <jan@example.nl> het volgende geschreven:",
        "Op ma 2 apr. 2012 om 14:20 schreef Jan <jan@example.nl>:",
        "Il giorno 02/apr/2012, alle ore 14:20, Mario <mario@example.it> ha scritto:",
        "Em 2 de abr de 2012, às 14:20, João <joao@example.pt> escreveu:",
        "Den 2 apr. 2012 kl. 14:20 skrev Sven <sven@example.se>:",
        "Den man. 2. apr. 2012 kl. 14.20 skrev Søren <soren@example.dk>:",
        "2. apr. 2012 kl. 14:20 skrev Ola Nordmann <ola@example.no>:",
        "W dniu 2 kwietnia 2012 14:20 użytkownik Jan <jan@example.pl> napisał:",
        "Dnia 2012-04-02 14:20 Jan <jan@example.pl> napisał(a):",
        "2 апреля 2012 г., 14:20 пользователь Иван <ivan@example.ru> написал:",
        "пн, 2 апр. 2012 г. в 14:20, Иван <ivan@example.ru>:",
        "2012年4月2日 14:20 Taro <taro@example.jp>:",
        "在 2012年4月2日 下午2:20，Wang <wang@example.cn> 写道：",
    ],
)
def test_attribution_lines_in_many_languages_start_the_quote(attribution):
    reply = parse_reply(f"Thanks!\n\n{attribution}\n\n> Hello\n> there")
    assert reply.new_text == "Thanks!"
    assert reply.quoted == f"{attribution}\n\n> Hello\n> there"


def test_gmail_attribution_wrapped_over_two_lines():
    text = "Yes.\n\nOn Mon, Apr 2, 2012 at 6:26 PM, Megan One <megan@example.com>\nwrote:\n\n> Hi"
    assert split_reply(text) == ("Yes.", text.split("\n\n", 1)[1])


@pytest.mark.parametrize(
    "header_block",
    [
        "From: Bob [mailto:bob@example.com]\nSent: Monday, April 2, 2012 5:44 PM\nTo: Support\n"
        "Subject: Help",
        "*From:* Bob [mailto:bob@example.com]\n*Sent:* Monday, April 2, 2012\n*To:* Support",
        "Von: Max Mustermann [mailto:max@example.de]\nGesendet: Montag, 2. April 2012 14:20\n"
        "An: Support\nBetreff: Hilfe",
        "De : Jean <jean@example.fr>\nEnvoyé : lundi 2 avril 2012 14:20\nÀ : Support\nObjet : Aide",
        "Da: Mario\nInviato: lunedì 2 aprile 2012 14:20\nA: Supporto\nOggetto: Aiuto",
        "От: Иван\nОтправлено: 2 апреля 2012 г. 14:20\nКому: Поддержка\nТема: Помощь",
    ],
)
def test_outlook_header_blocks_start_the_quote(header_block):
    text = f"Done.\n\n________________________________\n{header_block}\n\nThe old message"
    new_text, rest = split_reply(text)
    assert new_text == "Done."
    assert rest.startswith("________________________________\n")
    assert rest.endswith("The old message")


@pytest.mark.parametrize(
    "separator",
    [
        "-----Original Message-----",
        "----- Original Message -----",
        "-----Ursprüngliche Nachricht-----",
        "-----Message d'origine-----",
        "-----Mensaje original-----",
        "-----Messaggio originale-----",
    ],
)
def test_original_message_separators_start_the_quote(separator):
    assert split_reply(f"Hello\n\n{separator}\nFrom: bob\n\nHi") == (
        "Hello",
        f"{separator}\nFrom: bob\n\nHi",
    )


def test_yahoo_dashed_attribution_before_a_header_block():
    text = (
        "Sure.\n\n--- On Wed, 4/4/12, Bob <bob@example.com> wrote:\n\nFrom: Bob\n"
        "Subject: Hi\nTo: ann@example.com\n\nHello"
    )
    assert split_reply(text) == ("Sure.", text.split("\n\n", 1)[1])


def test_unquoted_history_after_a_dated_attribution_is_quoted():
    text = "Thanks\n\nOn 2 Apr 2012, at 14:20, Bob <bob@example.com> wrote:\n\nNot prefixed"
    assert split_reply(text) == ("Thanks", text.split("\n\n", 1)[1])


def test_prose_ending_in_wrote_is_not_an_attribution():
    text = "On the other hand, as Bob wrote:\nthe server is down. Please check."
    assert split_reply(text) == (text, "")


def test_forwarded_message_is_content_not_history():
    text = (
        "FYI\n\n---------- Forwarded message ---------\nFrom: Bob <bob@example.com>\n"
        "Date: Mon, Apr 2, 2012 at 2:20 PM\nSubject: Hi\nTo: me@example.com\n\nHello"
    )
    assert split_reply(text) == (text, "")


# --- signatures, bottom-posting and the never-empty rule ---------------------------------


def test_signature_between_reply_and_quote():
    reply = parse_reply("Hello\n\n-- \nBob Smith\nACME\n\nOn Mon, Bob <b@x.org> wrote:\n> hi")
    assert (reply.new_text, reply.signature) == ("Hello", "-- \nBob Smith\nACME")
    assert reply.quoted == "On Mon, Bob <b@x.org> wrote:\n> hi"


@pytest.mark.parametrize(
    "line",
    [
        "Sent from my iPhone",
        "Sent from my Samsung Galaxy smartphone.",
        "Get Outlook for iOS",
        "Von meinem iPhone gesendet",
        "Envoyé de mon iPad",
        "Enviado desde mi iPhone",
        "Inviato da iPhone",
        "Verzonden met mijn iPhone",
        "Skickat från min iPhone",
        "Sendt fra min iPhone",
        "Отправлено с iPhone",
    ],
)
def test_mobile_signatures_are_not_new_text(line):
    line = line.rstrip(".")
    reply = parse_reply(f"See you at 3.\n\n{line}")
    assert (reply.new_text, reply.signature) == ("See you at 3.", line)


def test_long_text_after_dashes_is_not_a_signature():
    body = "\n".join(f"line {n}" for n in range(20))
    text = f"Intro\n--\n{body}"
    assert split_reply(text) == (text, "")


def test_bottom_posted_reply_under_one_quote():
    reply = parse_reply("On 04/02/2012 06:26 PM, Megan One wrote:\n> Hi \nHello")
    assert reply.new_text == "Hello"
    assert reply.quoted == "On 04/02/2012 06:26 PM, Megan One wrote:\n> Hi"


def test_everything_quoted_keeps_the_whole_as_new():
    assert split_reply("> everything\n> quoted\n") == ("> everything\n> quoted", "")
    assert split_reply("-- \nonly a signature") == ("-- \nonly a signature", "")
    assert split_reply("-----Original Message-----\nFrom: a\n\nhi") == (
        "-----Original Message-----\nFrom: a\n\nhi",
        "",
    )


def test_empty_text():
    assert split_reply("") == ("", "")
    assert parse_reply("   \n") == parse_reply("")


# --- HTML ----------------------------------------------------------------------------------


@needs_corpus
@pytest.mark.parametrize("client", sorted(p.stem for p in HTML_REPLIES.glob("*.html")))
def test_html_replies_of_each_client_keep_only_the_new_text(client):
    new_html, quoted_html = split_html_reply((HTML_REPLIES / f"{client}.html").read_text())
    assert html_to_text(new_html).split() == ["Hi.", "I", "am", "fine.", "Thanks,", "Alex"]
    assert "How are you?" in html_to_text(quoted_html)


@needs_corpus
def test_reply_separated_by_a_rule_and_header_block():
    html = (CORPUS / "talon" / "reply-separated-by-hr.html").read_text()
    new_html, quoted_html = split_html_reply(html)
    assert html_to_text(new_html).split() == ["Hi", "there", "Bob"]
    assert "From: bob@example.com" in html_to_text(quoted_html)


def test_gmail_quote_markup():
    html = (
        '<div dir="ltr">Reply</div><div class="gmail_quote"><div class="gmail_attr">On '
        'Mon, Bob &lt;bob@example.com&gt; wrote:<br></div><blockquote class="gmail_quote">'
        "Test</blockquote></div>"
    )
    new_html, quoted_html = split_html_reply(html)
    assert new_html == '<div dir="ltr">Reply</div>'
    assert quoted_html.startswith('<div class="gmail_quote">')


def test_gmail_forward_is_kept():
    html = (
        '<div dir="ltr"><br><div class="gmail_quote">---------- Forwarded message ---------'
        "<br>From: Bob<br><div>eom</div></div></div>"
    )
    assert split_html_reply(html) == (html, "")


def test_apple_mail_cite_with_attribution_before_it():
    html = (
        "<div>Sounds good</div><div><br><div>On Apr 3, 2012, at 4:19 PM, bob wrote:</div>"
        '<br><blockquote type="cite"><div>Hi</div></blockquote></div>'
    )
    new_html, quoted_html = split_html_reply(html)
    assert new_html == "<div>Sounds good</div>"
    assert html_to_text(quoted_html) == "On Apr 3, 2012, at 4:19 PM, bob wrote:\n\n> Hi"


def test_outlook_web_reply_block_is_cut_to_the_end():
    html = (
        '<div>Fixed now.</div><hr style="display:inline-block" tabindex="-1">'
        '<div id="divRplyFwdMsg"><b>From:</b> Bob<br><b>Sent:</b> Monday</div>'
        "<div>Old text</div>"
    )
    new_html, quoted_html = split_html_reply(html)
    assert new_html == "<div>Fixed now.</div>"
    assert quoted_html.endswith("<div>Old text</div>")


def test_yahoo_quoted_markup():
    html = '<div>Yes</div><div class="yahoo_quoted"><div>On Monday, Bob wrote:</div>old</div>'
    assert split_html_reply(html) == (
        "<div>Yes</div>",
        '<div class="yahoo_quoted"><div>On Monday, Bob wrote:</div>old</div>',
    )


def test_plain_blockquote_without_attribution_is_kept():
    html = "<p>The manual says:</p><blockquote>Restart the router.</blockquote>"
    assert split_html_reply(html) == (html, "")


def test_html_that_is_all_quote_stays_new():
    html = '<blockquote type="cite">only old text</blockquote>'
    assert split_html_reply(html) == (html, "")
    assert split_html_reply("") == ("", "")


# --- never raises, never loses the reply ---------------------------------------------------

_LINES = st.sampled_from(
    [
        "Hello",
        "",
        "> quoted",
        ">> deeper",
        "-- ",
        "--",
        "Sent from my iPhone",
        "____________",
        "On Mon, Apr 2, 2012 at 6:26 PM, Bob <bob@example.com> wrote:",
        "From: Bob",
        "Sent: Monday",
        "To: Ann",
        "Subject: Hi",
        "-----Original Message-----",
        "Am 2. April schrieb Max <m@x.de>:",
        "Thanks,",
        "Ann",
        "---------- Forwarded message ---------",
        "   ",
        "\tindented",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_LINES, st.text(max_size=40)), max_size=30))
def test_split_reply_never_loses_a_nonblank_message(lines):
    text = "\n".join(lines)
    reply = parse_reply(text)
    assert reply.new_text.strip() or not text.strip()
    new_text, rest = split_reply(text)
    assert new_text == reply.new_text
    if not rest:
        assert new_text == text.replace("\r\n", "\n").replace("\r", "\n").strip("\n").rstrip()


_TAGS = st.sampled_from(
    [
        "<div>",
        "</div>",
        "<p>",
        "</p>",
        "<br>",
        "<blockquote>",
        "</blockquote>",
        "<ul><li>",
        "</li>",
        '<blockquote type="cite">',
        '<div class="gmail_quote">',
        '<div id="divRplyFwdMsg">',
        '<div class="moz-cite-prefix">',
        "<hr>",
        "<pre>",
        "</pre>",
        "<script>",
        "</script>",
        '<a href="https://x.test">',
        "</a>",
        "<head>",
        "<body>",
        "&nbsp;",
        "&amp;",
        "<!--",
        "-->",
        "<![CDATA[",
        "<table><tr><td>",
        "</td>",
        "<",
        ">",
        "&#",
        "</",
        "<b",
        'class="',
        "\n",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_TAGS, _LINES, st.text(max_size=20)), max_size=40))
def test_html_helpers_never_raise(pieces):
    html = "".join(pieces)
    assert isinstance(html_to_text(html), str)
    new_html, quoted_html = split_html_reply(html)
    if quoted_html:
        assert len(new_html) + len(quoted_html) == len(html)
    else:
        assert new_html == html
