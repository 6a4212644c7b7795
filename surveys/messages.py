"""Messages an officer reads when an answer or a code is refused (Dutch and English)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "token_unknown": {
        "nl": "Deze code kennen we niet. Controleer de code op je kaart en typ hem opnieuw. "
              "Is de ronde al gesloten? Dan werkt de code niet meer.",
        "en": "We do not recognise this code. Check the code on your card and type it again. "
              "Has the round closed? Then the code no longer works.",
    },
    "token_used": {
        "nl": "Deze code is al gebruikt. Elke code werkt één keer.",
        "en": "This code has already been used. Each code works once.",
    },
    "token_closed": {
        "nl": "Deze ronde is gesloten. Je kunt niet meer antwoorden.",
        "en": "This round has closed. Answers are no longer accepted.",
    },
    "token_not_open": {
        "nl": "Deze ronde is nog niet begonnen. Probeer het later opnieuw.",
        "en": "This round has not started yet. Please try again later.",
    },
    "token_invalid": {
        "nl": "Dit persoonlijke token hoort niet bij deze ronde of dit team. Er is één "
              "token per ronde; gebruik je kaart als je die hebt.",
        "en": "This personal token does not belong to this round or team. "
              "There is one token per round; use your card if you have one.",
    },
    "answers_not_object": {
        "nl": "De antwoorden kwamen niet goed aan. Vul het formulier opnieuw in.",
        "en": "The answers did not arrive correctly. Please fill in the form again.",
    },
    "unknown_item": {
        "nl": "Deze vraag hoort niet bij deze vragenlijst.",
        "en": "This question is not part of this survey.",
    },
    "not_an_option": {
        "nl": "Kies een van de antwoorden die bij deze vraag staan.",
        "en": "Choose one of the answers given for this question.",
    },
    "nothing_answered": {
        "nl": "Je hebt nog geen enkele vraag beantwoord. Beantwoord minstens één vraag.",
        "en": "You have not answered any question yet. Please answer at least one.",
    },
    "comment_not_text": {
        "nl": "Je opmerking kwam niet goed aan. Typ hem opnieuw.",
        "en": "Your comment did not arrive correctly. Please type it again.",
    },
    "comment_not_allowed": {
        "nl": "Bij deze vragenlijst kun je geen opmerking geven.",
        "en": "This survey does not take comments.",
    },
    "comment_too_long": {
        "nl": "Je opmerking is te lang: {length} tekens, maximaal {limit}. Maak hem korter.",
        "en": "Your comment is too long: {length} characters, at most {limit}. Please shorten it.",
    },
    "malformed_body": {
        "nl": "Het verzoek is niet leesbaar. Stuur een JSON-object met token en answers.",
        "en": "The request could not be read. Send a JSON object with token and answers.",
    },
    "unavailable": {
        "nl": "We konden je antwoorden nu niet opslaan. Er is niets verloren: "
              "je antwoorden staan nog in het formulier. "
              "Druk over een moment opnieuw op versturen.",
        "en": "We could not save your answers just now. Nothing was lost: your answers are "
              "still in the form. Press send again in a moment.",
    },
}


def message(key: str, lang: str = "nl") -> str:
    """The message for ``key`` in ``lang``, falling back to Dutch."""
    entry = MESSAGES[key]
    return entry.get(lang, entry["nl"])
