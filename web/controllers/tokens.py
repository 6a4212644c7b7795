"""/s/token: personal tokens (issue #13) -- get one blind-signed token, answer with it later.

Issuance (``enrol``, ``sso``, ``get``, ``sign``) knows the officer; redemption (``answer``,
``done``) knows only a token. Neither logs anything about the person or the token, and the
server runs without an access log, so the only trace of a request is what these handlers
store. The session cookie carries the officer between signing in and signing the token and
is cleared as soon as the token is signed.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, Parameter
from litestar.response import Redirect, Template
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from sentimeter.blind_rsa import SUITE, fingerprint
from sentimeter.issuer_store import issuer_session
from sentimeter.models import Round
from sentimeter.runtime import Runtime
from surveys import tokens
from surveys.instrument import load_instrument
from surveys.intake import AnswerProblems, TokenProblem, submit_verified
from web import oidc
from web.i18n import choose_lang, long_date
from web.pages import page

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Secret = Annotated[str, Parameter(max_length=64)]
SESSION_KEY = "token_officer"


def _officer(request: Request[Any, Any, Any]) -> tokens.Officer | None:
    data = request.session.get(SESSION_KEY) if isinstance(request.session, dict) else None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("h", "t")):
        return None
    return tokens.Officer(officer_hash=data["h"], unit_code=data["t"])


def remember_officer(request: Request[Any, Any, Any], officer: tokens.Officer) -> None:
    """Only the officer's hash and team, in the encrypted session cookie, until signing."""
    request.set_session({SESSION_KEY: {"h": officer.officer_hash, "t": officer.unit_code}})


def _refused(request: Request[Any, Any, Any], kind: str, status: int) -> Template:
    return page(request, "token_problem.html", status_code=status, problem=kind,
                sso=bool(request.app.state.get("sso")))


def _open_rounds_for(db: Session, unit_code: str) -> list[Round]:
    from sqlmodel import select

    rounds = db.exec(select(Round).where(Round.state == "open")).all()
    found = []
    for round_ in rounds:
        try:
            tokens.open_round_for(db, int(round_.id or 0), unit_code)
        except tokens.TokenRefused:
            continue
        found.append(round_)
    return found


def _commit(main: Session, issuer: Session) -> None:
    """Answer store first, then issuer store: a failure in between over-counts, never under."""
    main.commit()
    if issuer is not main:
        issuer.commit()


def after_sso(request: Request[Any, Any, Any], db: Session, runtime: Runtime,
              claims: dict[str, Any], round_id: int) -> Redirect | Template:
    """The way back from the provider for an officer who wants a token (see sso.callback)."""
    settings = runtime.settings
    officer_id = claims.get(settings.oidc_officer_claim)
    if not isinstance(officer_id, str) or not officer_id.strip():
        return _refused(request, "no_team", 403)
    key = tokens.officer_hash(db, runtime.vault, officer_id)
    if settings.oidc_team_claim:
        team = claims.get(settings.oidc_team_claim)
        team = team if isinstance(team, str) else None
    else:
        with issuer_session(settings, db) as issuer:
            team = tokens.roster_team(issuer, key)
    if not team:
        return _refused(request, "no_team", 403)
    remember_officer(request, tokens.Officer(officer_hash=key, unit_code=team))
    return Redirect(f"/s/token/{round_id}/get", status_code=303)


class TokenController(Controller):
    """Personal tokens: blind issuance once per officer and round, redemption any time."""

    path = "/s/token"
    exclude_from_csrf = True
    opt = {"exclude_from_csrf": True, "public": True}
    include_in_schema = False

    @get("/keys", sync_to_thread=True)
    def keys(self, db: Session) -> Response[dict[str, Any]]:
        """Every issuer key of every open round: one list, the same for everyone."""
        return Response({"suite": SUITE, "keys": tokens.published_keys(db)},
                        headers={"Cache-Control": "public, max-age=60"})

    @get("/enrol/{secret:str}", sync_to_thread=True)
    def enrol(self, request: Request[Any, Any, Any], secret: Secret, db: Session,
              runtime: Runtime) -> Template:
        with issuer_session(runtime.settings, db) as issuer:
            officer = tokens.enrol(issuer, secret)
            if officer is None:
                return _refused(request, "enrol_unknown", 404)
            _commit(db, issuer)
        remember_officer(request, officer)
        return page(request, "token_rounds.html", rounds=_open_rounds_for(db, officer.unit_code))

    @get("/{round_id:int}/sso", sync_to_thread=True)
    def sso(self, request: Request[Any, Any, Any], round_id: int,
            runtime: Runtime) -> Redirect | Template:
        settings = runtime.settings
        if not oidc.enabled(settings):
            raise NotFoundException("Single sign-on is not configured.")
        try:
            url, flow = oidc.start(settings)
        except oidc.SsoError:
            return _refused(request, "sso_failed", 502)
        request.set_session({"oidc": {**flow, "token_round": round_id}})
        return Redirect(url, status_code=303)

    @get("/{round_id:int}/get", sync_to_thread=True)
    def get_token(self, request: Request[Any, Any, Any], round_id: int, db: Session,
                  runtime: Runtime) -> Template:
        officer = _officer(request)
        if officer is None:
            return page(request, "token_signin.html", round_id=round_id,
                        sso=oidc.enabled(runtime.settings))
        try:
            round_ = tokens.open_round_for(db, round_id, officer.unit_code)
        except tokens.TokenRefused as refused:
            return _refused(request, refused.kind, refused.status)
        with issuer_session(runtime.settings, db) as issuer:
            already = tokens.has_token(issuer, officer, round_id)
        if not already:  # the browser needs the public key before it can blind
            tokens.issuer_key(db, runtime.vault, round_id, officer.unit_code)
            db.commit()
        return page(request, "token_get.html", round=round_, team=officer.unit_code,
                    already=already, status_code=409 if already else 200,
                    closes_at=long_date(round_.closes_at, choose_lang(request)))

    @post("/{round_id:int}/sign", sync_to_thread=True, status_code=200)
    def sign(self, request: Request[Any, Any, Any], round_id: int, data: dict[str, Any],
             db: Session, runtime: Runtime) -> Response[dict[str, Any]]:
        """Sign the browser's blinded message once; the session forgets the officer after."""
        officer = _officer(request)
        if officer is None:
            return Response({"error": "signed_out"}, status_code=401)
        blinded_text = data.get("blinded") if isinstance(data, dict) else None
        try:
            blinded = tokens.unb64(blinded_text) if isinstance(blinded_text, str) else b""
        except ValueError:
            blinded = b""
        if not blinded or len(blinded) > 1024:
            return Response({"error": "bad_request"}, status_code=400)
        with issuer_session(runtime.settings, db) as issuer:
            try:
                blind_sig = tokens.issue(db, issuer, runtime.vault, officer=officer,
                                         round_id=round_id, blinded=blinded)
                key = tokens.issuer_key(db, runtime.vault, round_id, officer.unit_code)
                public = key.public_der
                _commit(db, issuer)
            except tokens.TokenRefused as refused:
                db.rollback()
                if issuer is not db:
                    issuer.rollback()
                return Response({"error": refused.kind}, status_code=refused.status)
        request.clear_session()
        return Response({"blind_sig": tokens.b64(blind_sig), "round": round_id,
                         "team": officer.unit_code, "fingerprint": fingerprint(public),
                         "answer_url": f"/s/token/answer/{round_id}/{officer.unit_code}"})

    @get("/answer/{round_id:int}/{team:str}", sync_to_thread=True)
    def answer_page(self, request: Request[Any, Any, Any], round_id: int, team: str,
                    db: Session) -> Template:
        round_ = db.get(Round, round_id)
        if round_ is None or round_.state != "open":
            return _refused(request, "closed" if round_ else "unknown_round",
                            410 if round_ else 404)
        return self._form(request, db, round_, team)

    def _form(self, request: Request[Any, Any, Any], db: Session, round_: Round, team: str, *,
              values: dict[str, Any] | None = None, comment: str = "",
              errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
        from sentimeter.token_models import TokenKey

        key = db.get(TokenKey, (round_.id, team))
        instrument = load_instrument(round_.instrument, round_.version)
        return page(request, "token_answer.html", status_code=status_code,
                    instrument=instrument, comment_spec=instrument.comment, round=round_,
                    team=team, k=round_.k, values=values or {}, comment=comment,
                    errors=errors or {},
                    fingerprint=fingerprint(key.public_der) if key else None,
                    closes_at=long_date(round_.closes_at, choose_lang(request)))

    @post("/answer/{round_id:int}/{team:str}", sync_to_thread=True, status_code=303)
    def answer(self, request: Request[Any, Any, Any], round_id: int, team: str,
               data: FormData, db: Session, runtime: Runtime) -> Template | Redirect:
        lang = choose_lang(request)
        fields = {k: (v[-1] if isinstance(v, list) and v else v) for k, v in data.items()}
        token = str(fields.pop("token", "") or "")
        comment = str(fields.pop("comment", "") or "")
        for meta in ("_csrf_token", "_instrument", "_version", "_k"):
            fields.pop(meta, None)
        try:
            receipt = submit_verified(db, runtime.vault, round_id=round_id, unit_code=team,
                                      token=token, answers=fields, comment=comment, lang=lang)
            db.commit()
        except TokenProblem as problem:
            db.rollback()
            return _refused(request, f"token_{problem.kind}", problem.status)
        except AnswerProblems as problems:
            db.rollback()
            round_ = db.get(Round, round_id)
            assert round_ is not None
            kept = {k: int(v) for k, v in fields.items()
                    if isinstance(v, str) and v.isdigit() and len(v) < 4}
            return self._form(request, db, round_, team, values=kept, comment=comment,
                              errors=problems.errors, status_code=422)
        except DBAPIError:
            db.rollback()  # nothing logged here: a log line's time would date this answer
            return _refused(request, "unavailable", 503)
        return Redirect(f"/s/token/done?r={receipt.round_id}&c={1 if comment.strip() else 0}",
                        status_code=303)

    @get("/done", sync_to_thread=True)
    def done(self, request: Request[Any, Any, Any], db: Session, r: int | None = None,
             c: int = 0) -> Template:
        from surveys.scrub import SCRUB_NOTICE

        lang = choose_lang(request)
        round_ = db.get(Round, r) if r else None
        return page(request, "token_done.html", round_id=r or 0,
                    scrubbed_notice=SCRUB_NOTICE[lang] if c else None,
                    k=round_.k if round_ else None,
                    closes_at=long_date(round_.closes_at, lang) if round_ else None)
