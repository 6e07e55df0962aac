"""BXML documents: the verbs the v2 sandbox runs, and what it refuses."""

from __future__ import annotations

import pytest

from smsconsole.sandbox.bandwidth import bxml


def test_a_response_with_every_verb_parses_in_order() -> None:
    document = bxml.parse(
        """<?xml version="1.0" encoding="UTF-8"?>
        <Response>
          <Ring duration="30" answerCall="false"/>
          <Pause duration="2"/>
          <SpeakSentence voice="julie" locale="en_US">Hello <emphasis>you</emphasis></SpeakSentence>
          <Tag>t1</Tag>
          <Gather gatherUrl="/gather" maxDigits="3" terminatingDigits="#" interDigitTimeout="2"
                  username="u" password="p"><SpeakSentence>Press</SpeakSentence></Gather>
          <Transfer transferCallerId="+19195550100" transferCompleteUrl="/tc" callTimeout="20">
            <PhoneNumber transferAnswerUrl="/ta" transferDisconnectUrl="/td"
              >+14155550199</PhoneNumber>
          </Transfer>
          <Forward to="+15557654321"/>
          <Redirect redirectUrl="/next" redirectMethod="get" tag="t2"/>
          <Hangup/>
        </Response>""",
        base_url="http://h/answer",
    )
    kinds = [type(verb).__name__ for verb in document.verbs]
    assert kinds == [
        "Ring", "Pause", "SpeakSentence", "Tag", "Gather", "Transfer", "Forward", "Redirect",
        "Hangup",
    ]  # fmt: skip
    ring, pause, speak, tag, gather, transfer, forward, redirect, _ = document.verbs
    assert ring == bxml.Ring(30.0, answer_call=False)
    assert pause == bxml.Pause(2.0)
    assert speak == bxml.SpeakSentence("Hello you", voice="julie", locale="en_US")
    assert tag == bxml.Tag("t1")
    assert isinstance(gather, bxml.Gather)
    assert gather.hook is not None
    assert gather.hook.url == "/gather"
    assert (gather.hook.username, gather.hook.password) == ("u", "p")
    assert (gather.max_digits, gather.terminating_digits, gather.inter_digit_timeout) == (3, "#", 2)
    assert gather.prompts == (bxml.SpeakSentence("Press"),)
    assert isinstance(transfer, bxml.Transfer)
    assert transfer.caller_id == "+19195550100"
    assert transfer.call_timeout == 20
    assert transfer.complete_hook is not None
    assert transfer.complete_hook.url == "/tc"
    (number,) = transfer.numbers
    assert number.number == "+14155550199"
    assert number.answer_hook is not None
    assert number.answer_hook.url == "/ta"
    assert number.disconnect_hook is not None
    assert number.disconnect_hook.url == "/td"
    assert forward == bxml.Forward("+15557654321")
    assert isinstance(redirect, bxml.Redirect)
    assert (redirect.hook.url, redirect.hook.method, redirect.tag) == ("/next", "GET", "t2")
    assert document.base_url == "http://h/answer"


def test_defaults_follow_the_docs() -> None:
    ring, pause, gather = bxml.parse("<Response><Ring/><Pause/><Gather/></Response>").verbs
    assert ring == bxml.Ring(5.0, answer_call=True)
    assert pause == bxml.Pause(1.0)
    assert isinstance(gather, bxml.Gather)
    assert gather.hook is None
    assert gather.max_digits == 50
    assert gather.terminating_digits == ""


def test_an_empty_response_has_no_verbs_and_bxml_roots_are_told_apart() -> None:
    assert bxml.parse("<Response/>").verbs == ()
    assert bxml.parse("<Bxml><Hangup/></Bxml>", "Bxml").verbs == (bxml.Hangup(),)
    with pytest.raises(bxml.BxmlError, match="root"):
        bxml.parse("<Bxml><Hangup/></Bxml>")
    with pytest.raises(bxml.BxmlError, match="root"):
        bxml.parse("<Response/>", "Bxml")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("not xml", "well-formed"),
        ("<Response><Pause></Response>", "well-formed"),
        ('<!DOCTYPE r [<!ENTITY x "y">]><Response/>', "DOCTYPE"),
        ('<Response><!ENTITY x SYSTEM "file:///etc/passwd"></Response>', "DOCTYPE or ENTITY"),
        ("<Response><Dance/></Response>", "unsupported verb"),
        ('<Response><Pause duration="forever"/></Response>', "number"),
        ('<Response><Pause duration="0"/></Response>', "between"),
        ('<Response><Pause duration="nan"/></Response>', "between"),
        ('<Response><Ring duration="1e9"/></Response>', "between"),
        ('<Response><Ring answerCall="maybe"/></Response>', "true or false"),
        ("<Response><SpeakSentence>  </SpeakSentence></Response>", "blank"),
        ('<Response><Gather maxDigits="99"/></Response>', "between"),
        ('<Response><Gather terminatingDigits="x"/></Response>', "terminatingDigits"),
        ("<Response><Gather><Pause/></Gather></Response>", "may not contain"),
        ("<Response><Redirect/></Response>", "redirectUrl"),
        ('<Response><Redirect redirectUrl="/x" redirectMethod="PUT"/></Response>', "GET or POST"),
        ("<Response><Transfer/></Response>", "1 to 8"),
        ("<Response><Transfer><PhoneNumber>911</PhoneNumber></Transfer></Response>", "E.164"),
        ("<Response><Forward/></Response>", "'to'"),
    ],
)
def test_bad_documents_are_refused_with_a_reason(text: str, why: str) -> None:
    with pytest.raises(bxml.BxmlError, match=why):
        bxml.parse(text)


def test_a_document_over_64_kb_is_refused_before_parsing() -> None:
    big = "<Response>" + "<Pause/>" * 9000 + "</Response>"
    with pytest.raises(bxml.BxmlError, match="64 KB"):
        bxml.parse(big)


def test_the_billion_laughs_never_reaches_the_parser() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><Response><SpeakSentence>&lol2;</SpeakSentence>'
        "</Response>"
    )
    with pytest.raises(bxml.BxmlError, match="DOCTYPE"):
        bxml.parse(bomb.encode())
