"""Browser sign-in: a signed session cookie holding the user id, CSRF on every POST
(flask-wtf's token, sent as a form field or an `X-CSRFToken` header by scripts), and
HTML errors for the pages' users."""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from wtforms import ValidationError

from api import deps
from api.errors import STATUS_OF
from models.accounts.signin import sign_in as sign_in_user
from models.accounts.tables import User
from models.accounts.tokens import revoke_tokens
from models.accounts.users import get_user
from models.core.errors import DomainError, Forbidden, NotFound, Throttled, Unauthorized

bp = Blueprint("session", __name__)


def page_user() -> User | None:
    """The user the session cookie names, or None (also when that account is gone or
    deactivated, or the session was revoked: a sign-out or a password change since)."""
    if "page_user" not in g:
        user_id = session.get("user_id")
        g.page_user = None
        if isinstance(user_id, int):
            try:
                user = get_user(deps.db(), user_id)
            except NotFound:
                user = None
            if user is not None and user.is_active and \
                    session.get("token_version") == user.token_version:
                g.page_user = user
            else:
                session.clear()
    return g.page_user


def signin_required(view: Callable) -> Callable:
    """The view with `user` (the signed-in User) as first argument; a browser that is
    not signed in goes to the sign-in page and comes back. Only a page the browser
    navigates to is redirected: an image, a script's fetch or an htmx poll gets 401
    (htmx with `HX-Redirect`, so the whole page goes to sign in). Redirected, each of them
    would fetch the sign-in page, whose new CSRF token in the session cookie would race
    the form the person is looking at (its POST then failed with 400)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        user = page_user()
        if user is None:
            signin = url_for("pages.session.sign_in", next=request.full_path)
            if request.method == "GET" and _navigation():
                return redirect(signin)
            # the fragment: a whole page would carry a CSRF token, and so a session
            body = render_template("_error.html", status=401,
                                   error=Unauthorized("Sign in again", code="signed_out"))
            return body, 401, {"HX-Redirect": signin} if _htmx() else {}
        return view(user, *args, **kwargs)

    return wrapper


def _htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


# what a page loads by itself (Fetch Metadata's `Sec-Fetch-Dest`); "empty" is a script's
# fetch, which the door's service worker also makes for the desk's own page: redirected
SUBRESOURCES = frozenset({
    "audio", "audioworklet", "embed", "font", "image", "manifest", "object",
    "paintworklet", "script", "serviceworker", "sharedworker", "style", "track", "video",
    "worker", "xslt"})


def _navigation() -> bool:
    """Whether the browser may be loading a page: not htmx, not a subresource (a client
    without Fetch Metadata headers, such as curl, counts as one)."""
    return not _htmx() and request.headers.get("Sec-Fetch-Dest") not in SUBRESOURCES


def _local(target: str | None) -> str | None:
    """`target` if it is a path on this site (never an open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None  # browsers read "/\host" as "//host"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def _after(seconds: int) -> str:
    """A wait as people read it: "in 40 seconds", "in 15 minutes"."""
    if seconds < 60:
        return f"in {seconds} second{'s' * (seconds != 1)}"
    minutes = -(-seconds // 60)
    return f"in {minutes} minute{'s' * (minutes != 1)}"


@bp.route("/signin", methods=["GET", "POST"])
def sign_in():
    error, email, status, headers = None, "", 200, {}
    if request.method == "POST":
        email = request.form.get("email", "")
        try:
            user = sign_in_user(deps.db(), deps.config(), email,
                                request.form.get("password", ""), deps.client_address())
        except Throttled as exc:
            error, status = f"Too many failed sign-ins: try again {_after(exc.retry_after)}.", 429
            headers["Retry-After"] = str(exc.retry_after)
        except (Unauthorized, Forbidden) as exc:
            error, status = exc.detail, 401 if isinstance(exc, Unauthorized) else 403
        else:
            session.clear()  # a new session id for the new user (no fixation)
            session["user_id"], session["token_version"] = user.id, user.token_version
            return redirect(_local(request.args.get("next")) or url_for("pages.session.home"))
    return render_template("signin.html", error=error, email=email), status, headers


@bp.get("/home")
@signin_required
def home(user: User):
    return render_template("home.html")


@bp.post("/signout")
def sign_out():
    """Signs out everywhere: the session and every token of the user are revoked (a copy
    of this cookie is refused too)."""
    user = page_user()
    if user is not None:
        revoke_tokens(deps.db(), user.id)
    session.clear()
    return redirect(url_for("pages.session.sign_in"))


def _check_csrf() -> None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    token = request.form.get("csrf_token") or request.headers.get("X-CSRFToken")
    try:
        validate_csrf(token)
    except ValidationError as exc:
        raise CSRFError(str(exc)) from exc


def render_error(exc: DomainError) -> tuple[str, int]:
    """`exc` as HTML with the status the API gives it: a fragment for scripts and htmx,
    else a page."""
    status = next((s for cls, s in STATUS_OF.items() if isinstance(exc, cls)), 400)
    fragment = request.headers.get("X-Fragment") or request.headers.get("HX-Request")
    template = "_error.html" if fragment else "error.html"
    return render_template(template, error=exc, status=status), status


def _csrf_error(exc: CSRFError):
    error = {"detail": "The form expired or came from elsewhere: reload the page"}
    return render_template("_error.html", error=error, status=400), 400


def install(parent: Blueprint) -> None:
    """CSRF on every POST of `parent`'s pages; their errors as HTML, with the status the
    API gives the same error."""
    parent.before_request(_check_csrf)
    parent.app_context_processor(lambda: {"csrf_token": generate_csrf,
                                          "page_user": page_user})
    parent.register_error_handler(DomainError, render_error)
    parent.register_error_handler(CSRFError, _csrf_error)
    parent.record_once(_configure)


def _configure(state) -> None:
    # a door desk stays open all day: its token lives as long as the session (flask-wtf's
    # default of an hour would refuse every scan after it)
    state.app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
