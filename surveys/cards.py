"""Printable PDF of one-time code cards, handed out face down in a team meeting.

The cards are the weakest link of anonymity: whoever knows who got which code, or holds
several codes, defeats the privacy gate. So the first page tells the person handing them out
how to do it safely, the cards are printed in a random order (never issue order), and the PDF
carries no metadata beyond the round and team names.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from sentimeter.settings import Settings
from surveys.codes import ALPHABET, CODE_LENGTH

__all__ = ["CardsUrlError", "card_url", "format_code", "render_cards_pdf"]

MISSING_BASE_URL = (
    "No public address is configured, so the cards would point at this machine "
    "(http://127.0.0.1:8000) and no phone could open them. Set SENTIMETER_BASE_URL to the "
    "address people reach Sentimeter at, e.g. SENTIMETER_BASE_URL=https://sentimeter.example.nl, "
    "and restart; then print the cards."
)


class CardsUrlError(ValueError):
    """Cards cannot be printed: there is no public address to put on them."""


def card_url(settings: Settings) -> str:
    """The address printed on the cards (text and QR code), before ``/s/<code>``.

    Refuses an unset ``SENTIMETER_BASE_URL``: a card with a local address is useless once
    printed, and the codes on it would be spent for nothing. ``sentimeter demo`` sets it
    to the address it serves on.
    """
    if not settings.base_url:
        raise CardsUrlError(MISSING_BASE_URL)
    return _checked_base_url(settings.base_url)

_COLUMNS, _ROWS = 2, 4
_CARDS_PER_PAGE = _COLUMNS * _ROWS
_PAGE_W, _PAGE_H = A4
_MARGIN = 12 * mm
_CARD_W = (_PAGE_W - 2 * _MARGIN) / _COLUMNS
_CARD_H = (_PAGE_H - 2 * _MARGIN) / _ROWS
_PAD = 5 * mm
_QR_SIZE = 42 * mm
_QUIET = 4 * mm  # about the 4-module white border QrCodeWidget draws around a code
_FONT, _BOLD, _MONO = "Helvetica", "Helvetica-Bold", "Courier-Bold"


@dataclass(frozen=True)
class _Texts:
    """User-facing text of one language."""

    instructions_title: str
    intro: str
    steps: tuple[str, ...]
    why_title: str
    why: str
    card_count: str
    scan: str
    enter: str
    once: str


_TEXTS: dict[str, _Texts] = {
    "nl": _Texts(
        instructions_title="Instructies voor wie de kaartjes uitdeelt",
        intro=(
            "Met deze kaartjes vult je team anoniem de vragenlijst in. Elk kaartje heeft een "
            "eigen code die één keer werkt. Anonimiteit hangt af van hoe de kaartjes worden "
            "uitgedeeld. Doe het daarom zo:"
        ),
        steps=(
            "Knip de kaartjes los langs de stippellijnen.",
            "Schud de kaartjes goed door elkaar.",
            "Deel ze omgekeerd uit, of laat gesloten enveloppen met één kaartje rondgaan, "
            "zodat niemand ziet wie welk kaartje pakt.",
            "Laat de kaartjes uitdelen door iemand anders dan de teamleider, bijvoorbeeld "
            "een vertrouwenspersoon of een collega.",
            "Houd nooit een lijst bij van wie welk kaartje kreeg, en schrijf niets op de kaartjes.",
            "Vernietig kaartjes die over zijn (versnipperen), en geef niemand meer dan één "
            "kaartje.",
        ),
        why_title="Waarom?",
        why=(
            "Wie meerdere codes heeft, kan meerdere keren antwoorden. Die persoon kan zo de "
            "uitkomst sturen en, door zelf bijna alle antwoorden in te vullen, afleiden wat de "
            "anderen hebben geantwoord. Wie weet wie welke code kreeg, kan een code aan een "
            "persoon koppelen. De uitkomsten zijn alleen anoniem als niemand dat kan."
        ),
        card_count="Aantal kaartjes: {count}",
        scan="Scan de code of ga naar",
        enter="en vul de code in. Je antwoord is anoniem.",
        once="Deze code werkt één keer",
    ),
    "en": _Texts(
        instructions_title="Instructions for the person handing out the cards",
        intro=(
            "With these cards your team answers the survey anonymously. Each card has its own "
            "code that works once. Anonymity depends on how the cards are handed out, so "
            "please do it like this:"
        ),
        steps=(
            "Cut the cards apart along the dashed lines.",
            "Shuffle the cards well.",
            "Hand them out face down, or pass round closed envelopes holding one card each, "
            "so that nobody sees who takes which card.",
            "Have the cards handed out by someone other than the team leader, for example a "
            "confidential counsellor or a colleague.",
            "Never keep a list of who got which card, and write nothing on the cards.",
            "Destroy spare cards (shred them), and never give anyone more than one card.",
        ),
        why_title="Why?",
        why=(
            "Whoever holds several codes can answer several times. That person can steer the "
            "result and, by filling in nearly all answers themselves, work out what the others "
            "answered. Whoever knows who got which code can link a code to a person. The "
            "results are only anonymous if nobody can do either."
        ),
        card_count="Number of cards: {count}",
        scan="Scan the code or go to",
        enter="and enter the code. Your answer is anonymous.",
        once="This code works once",
    ),
}


def format_code(code: str) -> str:
    """Show a code as two groups of five ("ABCDEFGHJK" -> "ABCDE-FGHJK"), easier to type."""
    _check_code(code)
    half = CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def render_cards_pdf(
    codes: Sequence[str],
    *,
    base_url: str,
    team_name: str,
    round_name: str,
    lang: str = "nl",
    shuffle: bool = True,
) -> bytes:
    """Render an A4 PDF: one page of instructions, then the code cards, 8 per page.

    With ``shuffle`` (the default) the cards are printed in a cryptographically random
    order, so the order on paper says nothing about the order of issue.
    """
    texts = _texts_for(lang)
    cards = _checked_codes(codes)
    url = _checked_base_url(base_url)
    if shuffle:
        secrets.SystemRandom().shuffle(cards)
    buffer = io.BytesIO()
    canvas = _new_canvas(buffer, round_name)
    _draw_instructions(canvas, texts, team_name=team_name, round_name=round_name, count=len(cards))
    canvas.showPage()
    for start in range(0, len(cards), _CARDS_PER_PAGE):
        page = cards[start : start + _CARDS_PER_PAGE]
        _draw_card_page(canvas, page, texts, url=url, team_name=team_name, round_name=round_name)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# --- validation -------------------------------------------------------------------------


def _check_code(code: str) -> None:
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        raise ValueError(
            f"A code must be {CODE_LENGTH} characters from {ALPHABET!r}, got {code!r}."
        )


def _checked_codes(codes: Sequence[str]) -> list[str]:
    if isinstance(codes, str):
        raise TypeError("codes must be a sequence of codes, not a single string.")
    if not codes:
        raise ValueError("No codes to print: issue codes for the round and team first.")
    for code in codes:
        _check_code(code)
    if len(set(codes)) != len(codes):
        raise ValueError("Duplicate codes: every card must carry its own code.")
    return list(codes)


def _checked_base_url(base_url: str) -> str:
    url = base_url.rstrip("/")
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"base_url must start with https:// or http://, got {base_url!r}.")
    return url


def _texts_for(lang: str) -> _Texts:
    try:
        return _TEXTS[lang]
    except KeyError:
        raise ValueError(
            f"Unsupported language {lang!r}; choose one of {sorted(_TEXTS)}."
        ) from None


# --- drawing ----------------------------------------------------------------------------


def _new_canvas(buffer: io.BytesIO, round_name: str) -> Canvas:
    """A canvas whose metadata says nothing but the round name (no date, author or tool)."""
    canvas = Canvas(buffer, pagesize=A4, invariant=True, pageCompression=1)
    canvas.setTitle(round_name)
    canvas.setAuthor("")
    canvas.setSubject("")
    canvas.setCreator("Sentimeter")
    canvas.setProducer("Sentimeter")
    canvas.setKeywords("")
    return canvas


def _draw_instructions(
    canvas: Canvas, texts: _Texts, *, team_name: str, round_name: str, count: int
) -> None:
    width = _PAGE_W - 2 * 25 * mm
    x, y = 25 * mm, _PAGE_H - 30 * mm
    y = _draw_lines(canvas, x, y, [texts.instructions_title], _BOLD, 16)
    y = _draw_paragraph(canvas, x, y - 2 * mm, f"{round_name} — {team_name}", _FONT, 12, width)
    y = _draw_lines(canvas, x, y, [texts.card_count.format(count=count)], _FONT, 12)
    y = _draw_paragraph(canvas, x, y - 6 * mm, texts.intro, _FONT, 11, width)
    for number, step in enumerate(texts.steps, start=1):
        canvas.setFont(_BOLD, 11)
        canvas.drawString(x, y - 3 * mm - 11, f"{number}.")
        y = _draw_paragraph(canvas, x + 8 * mm, y - 3 * mm, step, _FONT, 11, width - 8 * mm)
    y = _draw_lines(canvas, x, y - 8 * mm, [texts.why_title], _BOLD, 12)
    _draw_paragraph(canvas, x, y - 1 * mm, texts.why, _FONT, 11, width)


def _draw_card_page(
    canvas: Canvas,
    codes: Sequence[str],
    texts: _Texts,
    *,
    url: str,
    team_name: str,
    round_name: str,
) -> None:
    _draw_cut_lines(canvas)
    for index, code in enumerate(codes):
        column, row = index % _COLUMNS, index // _COLUMNS
        left = _MARGIN + column * _CARD_W
        top = _PAGE_H - _MARGIN - row * _CARD_H
        _draw_card(
            canvas, left, top, code, texts, url=url, team_name=team_name, round_name=round_name
        )


def _draw_cut_lines(canvas: Canvas) -> None:
    """Dashed lines around every card of the full 2 x 4 grid."""
    canvas.saveState()
    canvas.setDash(4, 3)
    canvas.setLineWidth(0.5)
    canvas.setStrokeGray(0.4)
    right, top = _PAGE_W - _MARGIN, _PAGE_H - _MARGIN
    for column in range(_COLUMNS + 1):
        x = _MARGIN + column * _CARD_W
        canvas.line(x, _MARGIN, x, top)
    for row in range(_ROWS + 1):
        y = _MARGIN + row * _CARD_H
        canvas.line(_MARGIN, y, right, y)
    canvas.restoreState()


def _draw_card(
    canvas: Canvas,
    left: float,
    top: float,
    code: str,
    texts: _Texts,
    *,
    url: str,
    team_name: str,
    round_name: str,
) -> None:
    inner = _CARD_W - 2 * _PAD
    x = left + _PAD
    y = _draw_fitted(canvas, x, top - _PAD, round_name, _BOLD, 12, inner)
    y = _draw_fitted(canvas, x, y - 0.5 * mm, team_name, _FONT, 9, inner)
    qr_x, qr_y = x - _QUIET, y - _QR_SIZE  # the quiet zone is white: let it overlap the padding
    _draw_qr(canvas, f"{url}/s/{code}", qr_x, qr_y)
    text_x = qr_x + _QR_SIZE
    text_w = left + _CARD_W - _PAD - text_x
    ty = _draw_fitted(canvas, text_x, y - _QUIET, format_code(code), _MONO, 15, text_w)
    ty = _draw_paragraph(canvas, text_x, ty - 2 * mm, texts.scan, _FONT, 8, text_w)
    ty = _draw_fitted(canvas, text_x, ty, f"{url}/s", _BOLD, 8, text_w)
    _draw_paragraph(canvas, text_x, ty, texts.enter, _FONT, 8, text_w)
    _draw_fitted(canvas, text_x, qr_y + _QUIET + 9, texts.once, _BOLD, 9, text_w)


def _draw_qr(canvas: Canvas, value: str, x: float, y: float) -> None:
    """Draw a QR code of ``value`` with its quiet zone; level M survives a crease or smudge."""
    widget = QrCodeWidget(value, barLevel="M", barWidth=_QR_SIZE, barHeight=_QR_SIZE)
    drawing = Drawing(_QR_SIZE, _QR_SIZE)
    drawing.add(widget)
    drawing.drawOn(canvas, x, y)


# --- text helpers -----------------------------------------------------------------------


def _draw_lines(
    canvas: Canvas, x: float, y: float, lines: Sequence[str], font: str, size: float
) -> float:
    """Draw lines top-down from ``y`` (their top edge); return the y below the last line."""
    canvas.setFont(font, size)
    leading = size * 1.25
    for line in lines:
        y -= leading
        canvas.drawString(x, y + (leading - size), line)
    return y


def _draw_paragraph(
    canvas: Canvas, x: float, y: float, text: str, font: str, size: float, width: float
) -> float:
    """Word-wrap ``text`` to ``width``; return the y below the last line."""
    return _draw_lines(canvas, x, y, _wrap(text, font, size, width), font, size)


def _draw_fitted(
    canvas: Canvas, x: float, y: float, text: str, font: str, size: float, width: float
) -> float:
    """Draw text on one line if shrinking the font (down to 6 pt) lets it fit, else wrap."""
    fitted = size
    while fitted > 6 and stringWidth(text, font, fitted) > width:
        fitted -= 0.5
    return _draw_paragraph(canvas, x, y, text, font, fitted, width)


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Wrap at spaces, and break a word longer than a line (a long address) anywhere."""
    lines: list[str] = []
    for line in simpleSplit(text, font, size, width):
        lines.extend(_break_chars(line, font, size, width))
    return lines


def _break_chars(text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for char in text:
        if current and stringWidth(current + char, font, size) > width:
            lines.append(current)
            current = ""
        current += char
    return [*lines, current] if current else lines
