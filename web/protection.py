"""The protection statement an officer reads before the first question."""

from __future__ import annotations


def protection_statement(k: int, lang: str) -> str:
    if lang == "en":
        return (f"Your answers are anonymous. Nobody sees individual answers. Leaders see results "
                f"only of groups of at least {k} people, and only after the round has closed. "
                "You may skip any question.")
    return (f"Je antwoorden zijn anoniem. Niemand ziet losse antwoorden. Leidinggevenden zien "
            f"alleen uitkomsten van groepen van minstens {k} mensen, en pas als de ronde gesloten "
            "is. Je mag elke vraag overslaan.")
