"""The review page as an ASGI application (Starlette): ``create_app``.

Pages are rendered on the server from Jinja2 templates (autoescaped, so a
document's text and a file's name are shown, never run); every form works
without JavaScript, and one small script of the app's own (loaded under a
Content-Security-Policy nonce) adds drag and drop, progress and in-place
decisions. Checks run in a pool of worker threads with warm engines
(``workers``), never on the event loop; each upload lives in its own
temporary folder (``store``) until the reviewer is done or its time is up.

Safety, by default:

- ``Host`` must name this server (the address it is bound to,
  ``localhost``, ``127.0.0.1``, ``[::1]``, or one given with
  ``--allow-host``), so a web page elsewhere cannot reach it through DNS
  rebinding; a form posted from another site's page is refused by its
  ``Origin``.
- Every response carries a Content-Security-Policy that allows only the
  app's own styles and the one script that carries the response's nonce,
  and no framing.
- Limits: files per upload, bytes per file and per upload (the
  configuration's ``[limits]``), held while the bytes arrive.
- A check that fails is that upload's failure, shown as a message; the
  trace goes to the server's log, never to the page.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from policylint import __version__
from policylint.kinds import KINDS, LABELS
from policylint.serve import review
from policylint.serve.receive import Refused, UploadLimits, receive
from policylint.serve.store import CHECKING, DONE, FAILED, QUEUED, Checked, Store, Upload
from policylint.serve.workers import Workers

if TYPE_CHECKING:
    from jinja2 import Environment

    from policylint.engine import Engine
    from policylint.run import Options

log = logging.getLogger("policylint.serve")

LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")
STATIC = Path(__file__).parent / "static"
STATIC_FILES = {"serve.js": "text/javascript", "serve.css": "text/css"}


@dataclass
class Settings:
    """How the server runs: the run's options (configuration and rule
    selection, as ``policylint check`` takes them), where it listens, who
    it answers, how many checks run at once, and how long uploads are kept."""

    options: Options
    host: str = "127.0.0.1"
    port: int = 8750
    allow_hosts: tuple[str, ...] = ()
    workers: int = 2
    max_files: int = 50
    idle_seconds: float = 30 * 60.0
    after_download_seconds: float = 5 * 60.0
    clock: Callable[[], float] = time.monotonic
    warm: bool = True  # build an engine's pipeline when the server starts
    temp_parent: Path | None = None  # where the uploads' folder is made (default: the system's)

    def allowed_hosts(self) -> list[str]:
        bound = f"[{self.host}]" if ":" in self.host and not self.host.startswith("[") else self.host
        names = [*LOCAL_HOSTS, *self.allow_hosts]
        if bound not in ("0.0.0.0", "[::]"):
            names.append(bound)
        return sorted({n.lower() for n in names})


# -- headers -------------------------------------------------------------------------------


class Guard:
    """Security headers on every response, with a fresh nonce for the page's
    script; a form posted from another origin is refused (403)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(18)
        scope.setdefault("state", {})["nonce"] = nonce
        headers = dict(scope["headers"])
        if scope["method"] not in ("GET", "HEAD") and not self._same_origin(headers):
            await PlainText("This form was sent from another site's page and is refused.", 403)(scope, receive, send)
            return
        policy = (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; "
                  "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"content-security-policy", policy.encode()), (b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"),
                         (b"cross-origin-opener-policy", b"same-origin"),
                         (b"cross-origin-resource-policy", b"same-origin"), (b"cache-control", b"no-store")]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    @staticmethod
    def _same_origin(headers: dict[bytes, bytes]) -> bool:
        """Whether a form comes from this server's own page: what the browser
        says (``Sec-Fetch-Site``), else the ``Origin`` it names against the
        ``Host`` asked for. A request with neither is not a browser's."""
        site = headers.get(b"sec-fetch-site")
        if site is not None:
            return site in (b"same-origin", b"none")
        origin = headers.get(b"origin")
        if origin is None:
            return True
        return origin.partition(b"://")[2].lower() == headers.get(b"host", b"").lower()


def PlainText(text: str, status: int) -> Response:  # noqa: N802 - reads as a response class
    return Response(text, status_code=status, media_type="text/plain; charset=utf-8")


# -- the application -----------------------------------------------------------------------


class App:
    """The routes' shared state: settings, uploads, workers, templates."""

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.options = settings.options
        self.limits = UploadLimits(settings.options.limits, settings.max_files)
        self.store = Store(settings.idle_seconds, settings.after_download_seconds, settings.clock,
                           settings.temp_parent)
        self.workers = Workers(settings.options, settings.workers, engine)
        self.env = _env()
        self._sweeper: asyncio.Task[None] | None = None

    # -- rendering

    def page(self, request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(
            nonce=request.state.nonce, version=__version__, kinds=KINDS, kind_labels=LABELS,
            limits=self.limits, minutes=round(self.settings.idle_seconds / 60), **values)
        return HTMLResponse(html, status_code=status)

    def error(self, request: Request, status: int, title: str, message: str,
              setting: str | None = None) -> HTMLResponse:
        return self.page(request, "error.html.j2", status, title=title, message=message, setting=setting)

    def gone(self, request: Request) -> HTMLResponse:
        return self.error(request, 404, "This review is no longer here",
                          "Its documents have been deleted: you finished with them, or they were left "
                          f"unused for {round(self.settings.idle_seconds / 60)} minutes. Upload them again "
                          "to review them.")

    # -- checking

    def start_check(self, upload: Upload) -> None:
        upload.state, upload.error, upload.progress = QUEUED, None, (0, len(upload.files), "")
        upload.generation += 1
        generation = upload.generation
        inbox = f"{upload.inbox}/"

        def progress(done: int, total: int, path: str) -> None:
            upload.state = CHECKING
            upload.progress = (done - 1, total, path.replace(inbox, ""))

        def job(engine: Engine) -> None:
            upload.state = CHECKING
            try:
                checked = review.check(upload, self.options, engine, progress)
            except Exception:
                log.exception("checking upload %s failed", upload.id[:6])
                if upload.generation == generation:
                    upload.state, upload.error = FAILED, ("policylint could not check these documents. "
                                                          "The details are in the server's log.")
                return
            if upload.generation == generation:
                upload.checked, upload.state = checked, DONE

        def settled(future: Future[None]) -> None:
            # An engine that could not be built never ran the job: the upload still hears of it.
            if future.cancelled() or future.exception() is not None:
                if future.exception() is not None:
                    log.error("checking upload %s failed: %r", upload.id[:6], future.exception())
                if upload.generation == generation and upload.busy:
                    upload.state, upload.error = FAILED, ("policylint could not check these documents. "
                                                          "The details are in the server's log.")

        self.workers.submit(job).add_done_callback(settled)

    async def in_pool(self, job: Callable[[Engine], Any]) -> Any:
        return await asyncio.wrap_future(self.workers.submit(job))

    # -- lifespan

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        if self.settings.warm:
            self.workers.warm()
        self._sweeper = asyncio.create_task(self._sweep())
        try:
            yield
        finally:
            self._sweeper.cancel()
            self.workers.close()
            self.store.close()

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(30)
            self.store.sweep()


def _env() -> Environment:
    """The scorecard's Jinja2 environment (autoescaped, its filters and
    macros), finding this package's templates first."""
    from jinja2 import ChoiceLoader, PackageLoader

    from policylint.report.html import _env as report_env
    from policylint.serve.receive import megabytes

    env = report_env()
    env.filters["megabytes"] = megabytes
    env.loader = ChoiceLoader([PackageLoader("policylint.serve", "templates"), env.loader])  # type: ignore[list-item]
    return env


def create_app(settings: Settings, engine: Engine | None = None) -> Starlette:
    """The review page's application. ``engine``: a warm engine to start with
    (more are built as the worker threads need them)."""
    state = App(settings, engine)
    routes = [
        Route("/", partial(home, state)),
        Route("/upload", partial(upload, state), methods=["POST"]),
        Route("/static/{name}", partial(static, state)),
        Route("/r/{token}", partial(show, state)),
        Route("/r/{token}/status", partial(status, state)),
        Route("/r/{token}/kind", partial(change_kind, state), methods=["POST"]),
        Route("/r/{token}/decide", partial(decide, state), methods=["POST"]),
        Route("/r/{token}/reviewed/{index:int}", partial(reviewed, state)),
        Route("/r/{token}/findings.{fmt}", partial(findings, state)),
        Route("/r/{token}/scorecard.html", partial(scorecard, state)),
        Route("/r/{token}/finish", partial(finish, state), methods=["POST"]),
    ]
    hosts = settings.allowed_hosts()
    app = Starlette(routes=routes, lifespan=state.lifespan, middleware=[
        Middleware(TrustedHostMiddleware, allowed_hosts=hosts, www_redirect=False),
        Middleware(Guard),
    ])
    app.state.serve = state
    return app


# -- routes --------------------------------------------------------------------------------


async def home(app: App, request: Request) -> Response:
    return app.page(request, "home.html.j2")


async def static(app: App, request: Request) -> Response:
    name = request.path_params["name"]
    if name == "report.css":
        from importlib.resources import files

        css = files("policylint.report").joinpath("templates", "report.css").read_text(encoding="utf-8")
        return Response(css, media_type="text/css")
    if name not in STATIC_FILES:
        return PlainText("Not found", 404)
    return FileResponse(STATIC / name, media_type=STATIC_FILES[name])


async def upload(app: App, request: Request) -> Response:
    up = app.store.new()
    try:
        received = await receive(request, up.inbox, app.limits)
    except Refused as exc:
        app.store.forget(up.id)
        return app.error(request, exc.status, "These documents were not taken", exc.message, exc.setting)
    except Exception:
        app.store.forget(up.id)
        raise
    up.files, up.problems = received.files, received.problems
    if not up.files:  # nothing but archives that could not be unpacked: their findings are the result
        from policylint.run import Result

        up.checked = Checked(Result(), {}, [], [], None)
        review.add_problems(up.checked, up)
        up.state = DONE
    else:
        app.start_check(up)
    return RedirectResponse(f"/r/{up.id}", status_code=303)


def _upload(app: App, request: Request) -> Upload | None:
    return app.store.get(request.path_params["token"])


async def show(app: App, request: Request) -> Response:
    up = _upload(app, request)
    if up is None:
        return app.gone(request)
    if up.state == FAILED:
        return app.error(request, 500, "These documents could not be checked", up.error or "")
    if up.busy or up.checked is None:
        return app.page(request, "progress.html.j2", upload=up, files=up.files)
    from policylint.serve.views import page

    checked = up.checked
    values = await run_in_threadpool(page, checked, up)
    return app.page(request, "review.html.j2", upload=up, title=review.title(up), **values)


async def status(app: App, request: Request) -> Response:
    up = _upload(app, request)
    if up is None:
        return JSONResponse({"state": "gone"}, status_code=404)
    done, total, current = up.progress
    return JSONResponse({"state": up.state, "done": done, "total": total, "current": current,
                         "files": len(up.files)})


async def _form(request: Request) -> dict[str, str]:
    """A small urlencoded form (the decisions' forms); nothing spooled to disk."""
    from urllib.parse import parse_qsl

    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > 16384:
            raise Refused(413, "The form is longer than this page sends.")
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def _back(request: Request, up: Upload, anchor: str = "") -> Response:
    if request.headers.get("accept", "").startswith("application/json"):
        return JSONResponse({"ok": True})
    return RedirectResponse(f"/r/{up.id}{anchor}", status_code=303)


async def _posted(app: App, request: Request, refused: str) -> tuple[Upload, Checked, dict[str, str]] | Response:
    """The upload a form is about, its result and the form; or the page that says why not."""
    up = _upload(app, request)
    if up is None:
        return app.gone(request)
    try:
        form = await _form(request)
    except Refused as exc:
        return app.error(request, exc.status, refused, exc.message)
    if up.busy or up.checked is None:
        return app.error(request, 409, refused, "The documents are being checked again: wait a moment, then try again.")
    return up, up.checked, form


async def change_kind(app: App, request: Request) -> Response:
    posted = await _posted(app, request, "That change was not taken")
    if isinstance(posted, Response):
        return posted
    up, checked, form = posted
    path, kind = form.get("path", ""), form.get("kind", "")
    if path not in {fr.path for fr in checked.result.files} or (kind not in KINDS and kind != "auto"):
        return app.error(request, 400, "That change was not taken", "Choose one of the kinds in the list.")
    if kind == "auto":
        up.kinds.pop(path, None)
    else:
        up.kinds[path] = kind
    app.start_check(up)
    return RedirectResponse(f"/r/{up.id}", status_code=303)


async def decide(app: App, request: Request) -> Response:
    """Dismiss a finding (with a reason), take it back, or choose one of its
    suggestions for the reviewed copy (or none)."""
    posted = await _posted(app, request, "That decision was not taken")
    if isinstance(posted, Response):
        return posted
    up, checked, form = posted
    from policylint.annotate import finding_key

    path, key, action = form.get("path", ""), form.get("key", ""), form.get("action", "")
    finding = next((f for f in checked.result.findings if f.path == path and finding_key(f) == key), None)
    if finding is None:
        return app.error(request, 400, "That decision was not taken", "That finding is not in this review.")
    if action == "dismiss":
        reason = " ".join(form.get("reason", "").split())[:500]
        up.dismissed.setdefault(path, {})[key] = reason
        up.chosen.get(path, {}).pop(key, None)
    elif action == "restore":
        up.dismissed.get(path, {}).pop(key, None)
    elif action == "choose":
        choice = form.get("choice", "")
        if choice == "none":
            up.chosen.get(path, {}).pop(key, None)
        elif choice.isdigit() and int(choice) < len(finding.suggestions):
            up.chosen.setdefault(path, {})[key] = int(choice)
        else:
            return app.error(request, 400, "That decision was not taken", "Choose one of the suggestions.")
    else:
        return app.error(request, 400, "That decision was not taken", "Use the buttons beside a finding.")
    anchor = form.get("anchor", "")
    return _back(request, up, f"#{anchor}" if re.fullmatch(r"f\d{1,9}", anchor) else "")


def _attachment(name: str) -> str:
    ascii_name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def _download(app: App, up: Upload, data: str | Path, name: str, media_type: str) -> Response:
    """Send a result, then delete it, and forget the upload soon after (see ``Store``)."""

    def done() -> None:
        if isinstance(data, Path):
            data.unlink(missing_ok=True)
        app.store.downloaded(up)

    headers = {"content-disposition": _attachment(name)}
    if isinstance(data, Path):
        return FileResponse(data, media_type=media_type, headers=headers, background=BackgroundTask(done))
    return Response(data, media_type=media_type, headers=headers, background=BackgroundTask(done))


def _ready(app: App, request: Request) -> tuple[Upload | None, Response | None]:
    up = _upload(app, request)
    if up is None:
        return None, app.gone(request)
    if up.busy or up.checked is None:
        return None, RedirectResponse(f"/r/{up.id}", status_code=303)
    return up, None


async def findings(app: App, request: Request) -> Response:
    up, refusal = _ready(app, request)
    if up is None or up.checked is None:
        return refusal or app.gone(request)
    fmt = request.path_params["fmt"]
    if fmt not in ("json", "sarif"):
        return PlainText("Not found", 404)
    checked = up.checked
    text = await run_in_threadpool(review.findings_file, checked, up, fmt)
    media = "application/json" if fmt == "json" else "application/sarif+json"
    return _download(app, up, text, f"{review.title(up)}.findings.{fmt}", media)


async def scorecard(app: App, request: Request) -> Response:
    up, refusal = _ready(app, request)
    if up is None or up.checked is None:
        return refusal or app.gone(request)
    checked = up.checked
    html = await run_in_threadpool(review.scorecard, checked, up)
    return _download(app, up, html, f"{review.title(up)}.scorecard.html", "text/html")


async def reviewed(app: App, request: Request) -> Response:
    up, refusal = _ready(app, request)
    if up is None or up.checked is None:
        return refusal or app.gone(request)
    files = up.checked.result.files
    index = request.path_params["index"]
    if not 0 <= index < len(files) or PurePosixPath(files[index].path).suffix.lower() != ".docx":
        return app.error(request, 404, "No reviewed copy", "Reviewed copies are made for Word (.docx) documents.")
    path = files[index].path
    written, problem = await app.in_pool(lambda engine: review.reviewed_copy(up, path, app.options, engine))
    if written is None:
        return app.error(request, 422, "No reviewed copy", problem or "")
    media = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return _download(app, up, written, written.name, media)


async def finish(app: App, request: Request) -> Response:
    token = request.path_params["token"]
    app.store.forget(token)
    return app.page(request, "finished.html.j2")

