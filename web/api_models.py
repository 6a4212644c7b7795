"""Typed request and response bodies of the JSON API, for the OpenAPI schema at /schema.

The handlers build plain dicts (the analysis layer returns them); these structs describe
exactly those dicts, and tests/web/test_api_models.py decodes real responses with them
(unknown fields refused), so the schema cannot drift from what the API sends.

``POST /api/v1/responses`` reads its body itself (so that any malformed body is a 422 with
per-field messages, never a framework 400); its documented request body comes from
``AnswerIn`` through ``AnswerOperation``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody

Meta = msgspec.Meta
T = TypeVar("T")


class _Model(msgspec.Struct, forbid_unknown_fields=True):
    """Base: decoding a response that carries a field the schema does not name fails."""


def described_by(model: type[T], body: Any) -> T:
    """``body`` (a plain dict) as the model that documents it, for the type checker only.

    No conversion at run time: a field the analysis layer adds must not turn a report into
    a 500. tests/web/test_api_models.py decodes real responses with the models instead.
    """
    del model
    return body  # type: ignore[no-any-return]


# --- errors -----------------------------------------------------------------------------

class ErrorOut(msgspec.Struct):
    """Every refusal: the HTTP status, a sentence in the caller's language, and per field."""

    status_code: int
    detail: str
    errors: dict[str, str] | None = None


def errors(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the refusals a route can answer with."""
    meaning = {400: "Malformed request", 401: "Not logged in", 403: "Outside your role or scope",
               404: "No such code, round or unit", 409: "The code was already used",
               410: "The round is not open", 413: "Body too large",
               422: "Answers that do not fit the questionnaire, per field",
               429: "Too many attempts; see Retry-After", 503: "Database busy; retry"}
    return {s: ResponseSpec(data_container=ErrorOut, description=meaning[s],
                            generate_examples=False) for s in statuses}


# --- answering --------------------------------------------------------------------------

class AnswerIn(msgspec.Struct):
    """One officer's answers, sent with the one-time code from the card or link."""

    token: Annotated[str, Meta(description="The one-time code (10 characters, with or without "
                                           "the dash).", examples=["ABCDE-FGHJK"])]
    answers: Annotated[dict[str, int], Meta(
        description="Item id to the chosen option value (a JSON number); leave an item out "
                    "to skip it.", examples=[{"mood": 7, "speak": 4}])] = {}
    comment: Annotated[str, Meta(
        max_length=2000, description="Optional free text (or null); names, places and "
                                     "numbers are scrubbed before it is stored.")] | None = None


class StoredOut(_Model):
    status: Annotated[str, Meta(examples=["stored"])]


class OptionOut(_Model):
    value: int
    label: str


class ItemOut(_Model):
    id: str
    type: Annotated[str, Meta(description="agree5, scale10 or choice")]
    text: str
    scale: str | None
    optional_about_you: Annotated[bool, Meta(description="A self-description item, shown "
                                                          "only centrally, in groups of >= 10.")]
    options: list[OptionOut]


class InstrumentOut(_Model):
    id: str
    version: int
    name: str
    items: list[ItemOut]


class CommentSpecOut(_Model):
    enabled: bool
    max_length: int
    prompt: str
    warning: str


class RoundBriefOut(_Model):
    name: str
    k: Annotated[int, Meta(description="Minimum group size of this round.")]


class SurveyOut(_Model):
    """What a code opens: the questionnaire, the comment field and how answers are protected."""

    instrument: InstrumentOut
    comment: CommentSpecOut
    protection: str
    round: RoundBriefOut


# --- login ------------------------------------------------------------------------------

class LoginIn(msgspec.Struct):
    email: Annotated[str, Meta(examples=["teamleider@example.nl"])]
    password: str


class LoginOut(_Model):
    email: str
    role: Annotated[str, Meta(description="team_leader, unit_leader, analyst or admin")]
    unit: str


class LogoutOut(_Model):
    status: Annotated[str, Meta(examples=["logged out"])]


# --- reports ----------------------------------------------------------------------------

class RoundInfoOut(_Model):
    id: int
    name: str
    instrument: str
    instrument_name: str
    version: int
    state: str
    k: int
    closes_at: str | None
    closed_at: str | None


class UnitRefOut(_Model):
    code: str
    name: str
    level: str | None = None


class SnapshotOut(_Model):
    kind: Annotated[str, Meta(description="final, or interim for a snapshot of an open round")]
    created_at: str | None
    seq: int = 0


class ItemFigureOut(_Model):
    id: str
    text: str
    scale: str | None
    type: str
    suppressed: bool
    reason: str | None
    n: Any
    mean: float | None
    favourable: Any
    counts: Any
    categories: Any
    favourable_answers: Annotated[str, Meta(description="The answers counted as favourable, "
                                                        "in the reader's words.")]
    reversed: Annotated[bool, Meta(description="True when favourable answers lie at the low "
                                               "end of the item's own scale.")]
    mean_range: Annotated[str, Meta(description="The item's scale ends for its mean, e.g. "
                                                "1–5; empty for choice items.")]


class ScaleFigureOut(_Model):
    id: str
    name: str
    suppressed: bool
    reason: str | None
    n: Any
    score: Annotated[float | None, Meta(description="0-100; higher is more favourable.")]
    favourable: Any
    change: Annotated[float | None, Meta(description="Against the previous round, where both "
                                                     "publish at the detailed level.")]


class BenchmarkOut(_Model):
    code: str
    name: str
    level: str
    scales: dict[str, float | None]


class ChildOut(_Model):
    code: str
    name: str
    level: str
    status: str
    responses: Any
    scales: dict[str, float | None]
    responses_band: Annotated[Any, Meta(description="Responses as a band (groups of 5-9).")] = None


class ReportOut(_Model):
    """One unit's part of the round's publication, in the viewer's scope."""

    round: RoundInfoOut
    unit: UnitRefOut
    released: bool
    suppressed: bool
    reason: Annotated[str | None, Meta(description="Why figures are withheld, e.g. too_few, "
                                                   "complementary, not_released.")]
    responses: Any
    rate_band: Any
    items: list[ItemFigureOut]
    scales: list[ScaleFigureOut]
    children: list[ChildOut]
    benchmarks: list[BenchmarkOut]
    comments: bool
    snapshot: SnapshotOut | None = None
    included_in: UnitRefOut | None = None
    responses_band: Annotated[Any, Meta(description="Responses as a band (groups of 5-9).")] = None


class CompareScaleOut(_Model):
    id: str
    name: str


class CompareRowOut(_Model):
    unit: str
    unit_name: str
    scale: str
    scale_name: str
    suppressed: bool
    reason: str | None
    responses: Any
    mean: Annotated[float | None, Meta(description="Scale score 0-100.")]
    favourable: Any


class CompareOut(_Model):
    """Units of one level x scales, long format; a suppressed row has null figures."""

    round: RoundInfoOut
    level: str
    released: bool
    scales: list[CompareScaleOut]
    rows: list[CompareRowOut]


# --- the answer body in the schema --------------------------------------------------------

def _inline_schema(struct: type[msgspec.Struct]) -> dict[str, Any]:
    """The JSON schema of a flat struct, inlined (no $ref to resolve)."""
    schema = msgspec.json.schema(struct)
    return dict(schema["$defs"][struct.__name__])


def body_operation(struct: type[msgspec.Struct], description: str) -> type[Operation]:
    """An Operation class whose documented request body is ``struct`` (a flat struct)."""

    @dataclass
    class _BodyOperation(Operation):
        def __post_init__(self) -> None:
            self.request_body = RequestBody(
                required=True, description=description,
                content={"application/json": OpenAPIMediaType(
                    schema=_inline_schema(struct))})  # type: ignore[arg-type]

    _BodyOperation.__name__ = f"{struct.__name__}Operation"
    return _BodyOperation


AnswerOperation = body_operation(AnswerIn, "The answers and the one-time code.")
LoginOperation = body_operation(LoginIn, "E-mail address and password.")
