"""The officer's pages render what the architecture promises, with plain Jinja and stand-ins.

No app, no database: templates are rendered directly, so these tests pin the markup contract
(protection statement first, fieldsets, error summary, no scripts, page weight).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import Environment, FileSystemLoader
from markupsafe import escape

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "web" / "templates"
STATIC = ROOT / "web" / "static"
PROBLEMS = ["unknown", "used", "closed", "not_open", "unavailable"]
LIKERT = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]


def make_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        extensions=["jinja2.ext.i18n"],
        autoescape=True,
    )
    env.install_null_translations()  # type: ignore[attr-defined]
    return env


ENV = make_env()
# The one script: optional, deferred, same origin; it keeps answers on a lost connection.
SEND_SCRIPT = '<script src="/static/send.js" defer></script>'


@dataclass
class Option:
    value: int
    label: str

    def text(self, lang: str) -> str:
        return f"{self.label}" if lang == "en" else f"nl:{self.label}"


@dataclass
class Item:
    id: str
    type: str
    options: list[Option]
    words: str
    cut: bool = False

    def prompt(self, lang: str) -> str:
        return self.words if lang == "en" else f"nl:{self.words}"


@dataclass
class Instrument:
    items: list[Item]
    id: str = "thermometer"
    version: int = 1
    name: dict[str, str] = field(
        default_factory=lambda: {"nl": "Teamthermometer", "en": "Team Thermometer"}
    )


@dataclass
class CommentSpec:
    enabled: bool = True
    max_length: int = 1000
    prompt: dict[str, str] = field(
        default_factory=lambda: {"en": "Anything else?", "nl": "Nog iets?"}
    )
    warning: dict[str, str] = field(
        default_factory=lambda: {"en": "Write no names.", "nl": "Schrijf geen namen."}
    )


@dataclass
class User:
    email: str
    role: str


def likert_item(item_id: str, words: str = "I can raise problems in my team.") -> Item:
    return Item(item_id, "likert5", [Option(i + 1, t) for i, t in enumerate(LIKERT)], words)


def scale_item(item_id: str = "pulse") -> Item:
    labels = {0: "0 – Not at all", 10: "10 – Completely"}
    options = [Option(v, labels.get(v, str(v))) for v in range(11)]
    return Item(item_id, "scale10", options, "How do you feel in your team today?")


def cut_item(item_id: str = "minority") -> Item:
    return Item(item_id, "choice", [Option(1, "Yes"), Option(0, "No")], "I am a minority.", True)


def answer_context(**overrides: Any) -> dict[str, Any]:
    items = [scale_item(), likert_item("q1"), likert_item("q2"), cut_item()]
    context: dict[str, Any] = {
        "lang": "en",
        "csrf_input": '<input type="hidden" name="_csrf_token" value="tok123">',
        "user": None,
        "path": "/s/AB12-CD34",
        "instrument": Instrument(items),
        "comment_spec": CommentSpec(),
        "values": {},
        "comment": "",
        "errors": {},
        "token": "AB12-CD34",
        "round_name": "Round 3",
        "k": 5,
        "closes_at": "30 September 2025",
    }
    context.update(overrides)
    return context


def render(name: str, **context: Any) -> str:
    base = {"lang": "en", "csrf_input": "", "user": None, "path": "/"}
    return ENV.get_template(name).render(**{**base, **context})


class Tree(HTMLParser):
    """Collects start tags (with attributes and the fieldset they sit in) in document order."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str], int]] = []
        self.fieldsets = 0
        self.depth: list[int] = []
        self.text: list[tuple[str, int]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "fieldset":
            self.fieldsets += 1
            self.depth.append(self.fieldsets)
        current = self.depth[-1] if self.depth else 0
        self.tags.append((tag, {k: v or "" for k, v in attrs}, current))

    def handle_endtag(self, tag: str) -> None:
        if tag == "fieldset":
            self.depth.pop()

    def with_tag(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs, _ in self.tags if name == tag]

    def ids(self) -> set[str]:
        return {attrs["id"] for _, attrs, _ in self.tags if "id" in attrs}


def radios(html: str, name: str) -> list[dict[str, str]]:
    return [
        a for a in Tree(html).with_tag("input") if a.get("type") == "radio" and a["name"] == name
    ]


def test_the_protection_statement_comes_before_the_first_question() -> None:
    html = render("survey/answer.html", **answer_context(k=7))
    first_question = html.index("<fieldset")
    assert html.index("Your answers are anonymous") < first_question
    assert html.index("groups of at least 7 people") < first_question
    assert html.index("after the round has closed") < first_question
    assert html.index("You may skip any question") < first_question
    assert html.index('href="/privacy"') < first_question
    assert html.index("30 September 2025") < first_question


def test_every_item_is_a_fieldset_whose_first_child_is_its_legend() -> None:
    context = answer_context()
    tree = Tree(render("survey/answer.html", **context))
    items = context["instrument"].items
    assert tree.fieldsets == len(items)
    tags = tree.tags
    for index, (tag, _, _) in enumerate(tags):
        if tag == "fieldset":
            assert tags[index + 1][0] == "legend"
    fieldset_of = {a["name"]: f for t, a, f in tags if t == "input" and a.get("type") == "radio"}
    assert sorted(fieldset_of.values()) == list(range(1, len(items) + 1))


def test_it_renders_prompts_and_options_in_the_requested_language() -> None:
    html = render("survey/answer.html", **answer_context(lang="nl"))
    assert '<html lang="nl">' in html
    assert "nl:I can raise problems in my team." in html
    assert "nl:Strongly agree" in html
    assert "Teamthermometer" in html


def test_there_is_no_skip_radio_only_the_items_own_options() -> None:
    html = render("survey/answer.html", **answer_context())
    assert len(radios(html, "q1")) == 5
    assert len(radios(html, "minority")) == 2
    assert not [a for a in Tree(html).with_tag("input") if a.get("required") is not None]


def test_a_scale10_item_has_eleven_radios_in_the_compact_grid_with_its_end_labels() -> None:
    html = render("survey/answer.html", **answer_context())
    assert [r["value"] for r in radios(html, "pulse")] == [str(v) for v in range(11)]
    assert 'class="sm-opts sm-scale"' in html
    assert '<span>0 – Not at all</span> <span>10 – Completely</span>' in html
    assert 'aria-describedby="pulse-hint"' in html


def test_self_description_items_come_last_under_about_you() -> None:
    html = render("survey/answer.html", **answer_context())
    heading = html.index("About you (optional)")
    assert html.index('name="q2"') < heading < html.index('name="minority"')


def test_about_you_is_absent_without_self_description_items() -> None:
    context = answer_context(instrument=Instrument([likert_item("q1")]))
    assert "About you" not in render("survey/answer.html", **context)


def test_the_form_posts_to_the_token_with_the_csrf_input_and_one_send_button() -> None:
    html = render("survey/answer.html", **answer_context())
    tree = Tree(html)
    (form,) = tree.with_tag("form")
    assert form["method"] == "post"
    assert form["action"] == "/s/AB12-CD34"
    assert '<input type="hidden" name="_csrf_token" value="tok123">' in html
    buttons = tree.with_tag("button")
    assert [b["type"] for b in buttons] == ["submit"]
    assert "Send answers" in html


def test_the_error_summary_links_to_each_field_that_has_an_error() -> None:
    errors = {"q2": "Choose one of the answers.", "comment": "Your comment is too long."}
    html = render("survey/answer.html", **answer_context(errors=errors))
    tree = Tree(html)
    summary = html[html.index('role="alert"') : html.index("</div>", html.index('role="alert"'))]
    assert "There is a problem" in summary
    assert '<a href="#q2">Choose one of the answers.</a>' in summary
    assert '<a href="#comment">Your comment is too long.</a>' in summary
    assert {"q2", "comment"} <= tree.ids()
    assert html.index('role="alert"') < html.index("<fieldset")
    assert html.startswith("<!DOCTYPE html>") and "<title>Error:" in html
    assert 'aria-describedby="q2-error"' in html


def test_there_is_no_error_summary_without_errors() -> None:
    html = render("survey/answer.html", **answer_context())
    assert 'role="alert"' not in html
    assert "There is a problem" not in html


def test_previously_given_values_are_checked_again() -> None:
    html = render("survey/answer.html", **answer_context(values={"q2": 4, "pulse": 0}))
    assert [r["value"] for r in radios(html, "q2") if "checked" in r] == ["4"]
    assert [r["value"] for r in radios(html, "pulse") if "checked" in r] == ["0"]
    assert not [r for r in radios(html, "q1") if "checked" in r]


def test_the_comment_is_kept_limited_and_warned_about() -> None:
    html = render("survey/answer.html", **answer_context(comment="We need more time."))
    (textarea,) = Tree(html).with_tag("textarea")
    assert textarea["id"] == textarea["name"] == "comment"
    assert textarea["maxlength"] == "1000"
    assert "comment-warning" in textarea["aria-describedby"]
    assert ">\nWe need more time.</textarea>" in html
    assert '<label class="utrecht-form-label" for="comment">Anything else?</label>' in html
    assert "Write no names." in html


def test_there_is_no_comment_field_when_comments_are_off() -> None:
    html = render("survey/answer.html", **answer_context(comment_spec=CommentSpec(enabled=False)))
    assert "<textarea" not in html


def test_a_notice_is_shown_above_the_form() -> None:
    notice = "We could not save your answers right now. Nothing was lost."
    html = render("survey/answer.html", **answer_context(notice=notice))
    assert html.index(notice) < html.index("<form")


def test_html_in_every_value_is_escaped() -> None:
    evil = '<script>alert("x")</script>'
    item = Item("q1", "likert5", [Option(1, evil)], evil)
    context = answer_context(
        instrument=Instrument([item]),
        comment="</textarea>" + evil,
        errors={"q1": evil},
        round_name=evil,
        closes_at=evil,
        notice=evil,
        path='/s/"><script>',
    )
    html = render("survey/answer.html", **context)
    assert "<script" not in html.replace(SEND_SCRIPT, "")
    assert "</textarea><" not in html
    assert str(escape(evil)) in html


@settings(max_examples=30, deadline=None)
@given(text=st.text(min_size=1, max_size=40))
def test_any_prompt_text_appears_escaped(text: str) -> None:
    item = Item("q1", "likert5", [Option(1, "Agree")], text)
    html = render("survey/answer.html", **answer_context(instrument=Instrument([item])))
    assert f'__legend">{escape(text)}</legend>' in html


def every_page() -> list[tuple[str, dict[str, Any]]]:
    pages: list[tuple[str, dict[str, Any]]] = [
        ("base.html", {}),
        ("survey/answer.html", answer_context(errors={"q1": "Choose one."}, notice="Try again.")),
        ("survey/thanks.html", {"scrubbed_notice": "We removed 1 name.", "closes_at": "1 May"}),
        ("survey/enter_code.html", {"code": "AB", "error": "Unknown code."}),
    ]
    pages += [("survey/problem.html", {"problem": problem}) for problem in PROBLEMS]
    return pages


@pytest.mark.parametrize(("name", "context"), every_page())
def test_no_page_has_scripts_inline_styles_or_other_origins(
    name: str, context: dict[str, Any]
) -> None:
    html = render(name, **context)
    assert "<script" not in html.lower().replace(SEND_SCRIPT, "")
    assert "style=" not in html.lower()
    assert "<style" not in html.lower()
    tree = Tree(html)
    for attrs in tree.with_tag("a") + tree.with_tag("link") + tree.with_tag("form"):
        target = attrs.get("href") or attrs.get("action") or ""
        assert target.startswith(("/", "#")) and not target.startswith("//"), target


@pytest.mark.parametrize("name", [n for n, _ in every_page() if n != "base.html"])
def test_every_page_has_exactly_one_h1(name: str) -> None:
    context = dict(every_page())[name] if name != "survey/problem.html" else {"problem": "used"}
    assert render(name, **context).count("<h1") == 1


def linked_stylesheets(html: str) -> list[Path]:
    hrefs = [a["href"] for a in Tree(html).with_tag("link") if a.get("rel") == "stylesheet"]
    assert all(href.startswith("/static/") for href in hrefs)
    return [STATIC / href.removeprefix("/static/") for href in hrefs]


def test_the_answer_page_with_its_css_stays_under_30_kb() -> None:
    items = (
        [scale_item()]
        + [
            likert_item(f"q{i}", f"Statement {i}: in my team I can raise problems without fear.")
            for i in range(1, 26)
        ]
        + [cut_item()]
    )
    context = answer_context(instrument=Instrument(items), errors={"q3": "Choose one answer."})
    html = render("survey/answer.html", **context)
    sheets = linked_stylesheets(html)
    assert sheets, "the answer page must be styled"
    total = len(html.encode("utf-8")) + sum(sheet.stat().st_size for sheet in sheets)
    assert total < 30 * 1024, f"{total} bytes"


def test_every_stylesheet_base_links_exists_and_the_vendored_css_notes_its_licence() -> None:
    for sheet in linked_stylesheets(render("base.html")):
        assert sheet.is_file(), sheet
    note = (STATIC / "vendor/@utrecht/component-library-css/VERSION-and-LICENSE.txt").read_text()
    assert "package: @utrecht/component-library-css" in note
    assert "license: EUPL-1.2" in note


def test_the_language_switch_marks_the_active_language_and_returns_to_the_page() -> None:
    html = render("base.html", lang="nl", path="/s/AB12 CD")
    links = {a["hreflang"]: a for a in Tree(html).with_tag("a") if "hreflang" in a}
    assert links["nl"]["href"] == "/lang/nl?next=/s/AB12%20CD"
    assert links["en"]["href"] == "/lang/en?next=/s/AB12%20CD"
    assert links["nl"].get("aria-current") == "true"
    assert "aria-current" not in links["en"]


def test_the_layout_names_a_signed_in_user_and_links_the_privacy_statement() -> None:
    html = render("base.html", user=User("lead@politie.example", "team_leader"))
    assert "Signed in as lead@politie.example" in html
    assert '<a href="/privacy">How your answers are protected</a>' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


def test_the_thanks_page_has_no_reference_number_and_tells_when_results_show() -> None:
    html = render(
        "survey/thanks.html", scrubbed_notice="We removed 2 names.", closes_at="1 May", k=5
    )
    assert "Thank you" in html
    assert "We removed 2 names." in html
    assert "The round closes on 1 May" in html
    assert "at least 5 people" in html
    assert "no reference number" in html


def test_the_thanks_page_says_nothing_about_a_comment_that_was_not_given() -> None:
    html = render("survey/thanks.html", scrubbed_notice=None, closes_at=None)
    assert "About your comment" not in html
    assert "After the round has closed" in html


@pytest.mark.parametrize(
    ("problem", "title", "advice"),
    [
        ("unknown", "We do not recognise this code", "type it again"),
        ("used", "This code has already been used", "works only once"),
        ("closed", "This round has closed", "no longer answer"),
        ("not_open", "This round has not started yet", "stays valid"),
        ("unavailable", "We could not save your answers right now", "Nothing was lost"),
    ],
)
def test_each_problem_has_a_clear_title_and_what_to_do_next(
    problem: str, title: str, advice: str
) -> None:
    html = render("survey/problem.html", problem=problem)
    assert f'<h1 class="utrecht-heading-1">{title}</h1>' in html
    assert f"<title>{title}" in html
    assert advice in html


def test_an_unknown_code_offers_the_form_to_type_it_again() -> None:
    html = render("survey/problem.html", problem="unknown", code="AB12")
    (form,) = Tree(html).with_tag("form")
    assert form == {"method": "get", "action": "/s"}
    assert 'name="code" value="AB12"' in html
    assert "<form" not in render("survey/problem.html", problem="used")


def test_the_enter_code_page_asks_for_the_code_and_links_its_error() -> None:
    html = render("survey/enter_code.html", code="", error="We do not recognise this code.")
    tree = Tree(html)
    (form,) = tree.with_tag("form")
    assert form["method"] == "get" and form["action"] == "/s"
    (field_,) = [a for a in tree.with_tag("input") if a.get("name") == "code"]
    assert field_["id"] == "code" and field_["autocomplete"] == "off"
    assert field_["aria-describedby"] == "code-hint code-error"
    assert '<a href="#code">We do not recognise this code.</a>' in html
    assert 'role="alert"' not in render("survey/enter_code.html", code="", error=None)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_shipped_instruments_render_under_30_kb_with_their_css(lang: str) -> None:
    from surveys.instrument import INSTRUMENTS_DIR, load_instrument_file

    files = sorted(Path(INSTRUMENTS_DIR).glob("*.json"))
    assert files
    for path in files:
        instrument = load_instrument_file(path)
        errors = {item.id: "Choose one answer." for item in instrument.items[:3]}
        context = answer_context(
            lang=lang, instrument=instrument, comment_spec=instrument.comment, errors=errors
        )
        html = render("survey/answer.html", **context)
        assert html.count("<fieldset") == len(instrument.items)
        total = len(html.encode("utf-8")) + sum(s.stat().st_size for s in linked_stylesheets(html))
        assert total < 30 * 1024, f"{path.name}: {total} bytes"
