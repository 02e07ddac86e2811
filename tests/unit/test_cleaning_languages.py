"""Issue 18, classes 7 and 6: attribution lines and Outlook header blocks in twelve languages;
signatures that are contact blocks, and the lines that only look like signatures."""

from __future__ import annotations

import pytest

from commsync.cleaning.html_text import html_to_text
from commsync.cleaning.separate import separate

ATTRIBUTIONS = {
    "en": "On Mon, 4 Mar 2024 at 10:02, Bob Stone <bob@example.org> wrote:",
    "fr": "Le lun. 4 mars 2024 à 10:02, Bob Stone <bob@example.org> a écrit :",
    "de": "Am Mo., 4. März 2024 um 10:02 Uhr schrieb Bob Stone <bob@example.org>:",
    "es": "El lun, 4 mar 2024 a las 10:02, Bob Stone (<bob@example.org>) escribió:",
    "it": "Il giorno lun 4 mar 2024 alle ore 10:02 Bob Stone <bob@example.org> ha scritto:",
    "nl": "Op ma 4 mrt 2024 om 10:02 schreef Bob Stone <bob@example.org>:",
    "pt": "Em seg., 4 de mar. de 2024 às 10:02, Bob Stone <bob@example.org> escreveu:",
    "sv": "Den mån 4 mars 2024 kl 10:02 skrev Bob Stone <bob@example.org>:",
    "pl": "pon., 4 mar 2024 o 10:02 Bob Stone <bob@example.org> napisał(a):",
    "ru": "пн, 4 мар. 2024 г. в 10:02, Bob Stone <bob@example.org>:",  # noqa: RUF001
    "ru-thunderbird": "04.03.2024 10:02, Bob Stone пишет:",
    "ru-written": "4 марта 2024 г., в 10:02, Bob Stone написал(а):",  # noqa: RUF001
    "ja": "2024年3月4日(月) 10:02 Bob Stone <bob@example.org>:",
    "ja-apple": "2024/03/04 10:02、Bob Stone <bob@example.org>のメール:",
    "ja-message": "2024/03/04 10:02、Bob Stone のメッセージ:",
    "zh": "Bob Stone <bob@example.org> 于2024年3月4日周一 10:02写道：",  # noqa: RUF001
}
OUTLOOK_BLOCKS = {
    "en": ("From", "Sent", "To", "Subject"),
    "fr": ("De ", "Envoyé ", "À ", "Objet "),
    "de": ("Von", "Gesendet", "An", "Betreff"),
    "es": ("De", "Enviado el", "Para", "Asunto"),
    "it": ("Da", "Inviato", "A", "Oggetto"),
    "nl": ("Van", "Verzonden", "Aan", "Onderwerp"),
    "pt": ("De", "Enviado", "Para", "Assunto"),
    "sv": ("Från", "Skickat", "Till", "Ämne"),
    "pl": ("Od", "Wysłano", "Do", "Temat"),
    "ru": ("От", "Отправлено", "Кому", "Тема"),
    "ja": ("差出人", "送信日時", "宛先", "件名"),
    "zh": ("发件人", "发送时间", "收件人", "主题"),
    "zh-hant": ("寄件者", "寄件日期", "收件者", "主旨"),
}


@pytest.mark.parametrize("language", list(ATTRIBUTIONS))
def test_given_an_attribution_over_unmarked_history_then_the_history_is_cut(language: str) -> None:
    body = (
        f"Das passt, danke.\n\n{ATTRIBUTIONS[language]}\nKönnen Sie mir den Bericht schicken?\nDanke, Bob\n"
    )

    assert separate(body).text == "Das passt, danke."


@pytest.mark.parametrize("language", list(ATTRIBUTIONS))
def test_given_a_bottom_post_under_a_localised_attribution_then_the_answer_is_kept(language: str) -> None:
    body = f"{ATTRIBUTIONS[language]}\n> Können Sie mir den Bericht schicken?\n\nJa, anbei.\n"

    assert separate(body).text == "Ja, anbei."


@pytest.mark.parametrize("language", list(OUTLOOK_BLOCKS))
def test_given_a_localised_outlook_header_block_then_it_starts_the_history(language: str) -> None:
    sender, sent, to, subject = OUTLOOK_BLOCKS[language]
    block = f"{sender}: Bob <bob@example.org>\n{sent}: 4.3.2024 10:02\n{to}: Ann\n{subject}: RE: Bericht"

    assert separate(f"Erledigt.\n\n{block}\n\nBitte schicken.\n").text == "Erledigt."


def test_given_prose_that_ends_in_wrote_then_it_is_not_an_attribution() -> None:
    body = "In 2019 the auditor wrote:\nthe stock count must be monthly.\nWe still do it weekly."

    assert separate(body).text == body


def test_given_an_hr_before_an_outlook_block_in_html_then_the_block_is_history_not_signature() -> None:
    html = (
        "<div>Thanks, that works.</div><div>Ann</div><hr><div><b>From:</b> Bob &lt;bob@x.example&gt;<br>"
        "<b>Sent:</b> Monday, March 4, 2024 10:02 AM<br><b>To:</b> Ann<br><b>Subject:</b> Report</div>"
        "<div>Can you send it?</div>"
    )

    result = separate(html_to_text(html))

    assert (result.text, result.signature) == ("Thanks, that works.", "Ann")


def test_given_a_hotmail_header_block_with_values_on_their_own_lines_then_it_is_history() -> None:
    body = (
        "Sounds good.\n\nFrom:\nBob <bob@hotmail.example>\nSent:\nMonday\nTo:\nAnn\nSubject:\nReport\n\nold"
    )

    assert separate(body) == separate("Sounds good.")


def test_given_a_contact_block_without_a_sign_off_then_it_is_the_signature() -> None:
    body = (
        "Quote attached, valid for 30 days.\n\nJane Doe\nSenior Buyer | Acme GmbH\n"
        "+49 30 1234 5678\njane.doe@acme.example\nwww.acme.example\nHauptstr. 1, 10115 Berlin\nHRB 12345"
    )

    result = separate(body)

    assert result.text == "Quote attached, valid for 30 days."
    assert (
        result.signature is not None
        and result.signature.startswith("Jane Doe\n")
        and "HRB" in result.signature
    )


def test_given_a_sign_off_and_a_block_longer_than_six_lines_then_all_of_it_is_the_signature() -> None:
    lines = ["Kind regards,", "Jane Doe", "Senior Buyer", "Acme GmbH", "Hauptstr. 1", "10115 Berlin"]
    lines += ["T +49 30 1234 5678", "M +49 170 1234567", "jane.doe@acme.example"]

    result = separate("See you Monday.\n\n" + "\n".join(lines))

    assert (result.text, result.signature) == ("See you Monday.", "\n".join(lines))


@pytest.mark.parametrize(
    "body",
    [
        "Agenda for Monday:\n- budget\n- hiring\n- Ann",
        "Please see below.\n\n- Check the pallets\n- Call Bob",
        "I will look at it.\n\nSent from my desk at the office, so no rush.",
        "The meeting moved.\n\nJane Doe from sales will join us too.",
        "The visit is confirmed.\n\nJohn Smith\nwill call you at +49 30 123456 tomorrow.",
        "会议改到三点。\n\n明天见",
        "可以。\n\n好的",
        "Счёт готов.\n\nОтправлено с опозданием, извините.",  # noqa: RUF001
    ],
)
def test_given_lines_that_only_look_like_a_signature_then_they_stay_text(body: str) -> None:
    assert separate(body) == (separate(body).__class__(body, None))


@pytest.mark.parametrize(
    "footer",
    [
        "Sent from my iPhone",
        "Sent from my Samsung Galaxy smartphone.",
        "Verstuurd vanaf mijn iPhone",
        "Wysłane z mojego iPhone'a",
        "Отправлено с iPhone",  # noqa: RUF001
    ],
)
def test_given_a_mobile_footer_then_it_is_the_signature(footer: str) -> None:
    assert separate(f"Ok!\n\n{footer}").signature == footer


@pytest.mark.parametrize("name", ["鈴木", "王芳", "高橋 健一"])
def test_given_a_kanji_name_alone_under_the_text_then_it_is_the_signature(name: str) -> None:
    separated = separate(f"資料を拝見しました。\n\n{name}")

    assert separated.signature == name
    assert separated.text == "資料を拝見しました。"
