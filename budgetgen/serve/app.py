"""The Starlette application: the accountants' page, its downloads, and the HTTP API.

Every upload is checked in a thread and rendered in the worker pool, so the event loop keeps
answering other people while a PDF is laid out. Anything unexpected in one request becomes a
500 page in Chinese (or JSON for the API); the server itself keeps running.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from budgetgen.checks.report import as_json
from budgetgen.diagnostics import SEVERITY_ZH, Diagnostic, InputError
from budgetgen.money import format_wan
from budgetgen.serve import work
from budgetgen.serve.pool import RenderPool
from budgetgen.serve.settings import LOOPBACK_NAMES, ServeSettings
from budgetgen.serve.uploads import SUFFIXES, Upload, UploadStore

HERE = Path(__file__).parent
SESSION_COOKIE = "bg_session"
AUTH_COOKIE = "bg_auth"
XLSX_MAGIC = b"PK\x03\x04"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NEXT_YEAR = "next-year.xlsx"  # a new-year workbook kept beside its upload while its notes are read
PAGE_POLICY = (
    "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
    "form-action 'self'; frame-ancestors 'self'; base-uri 'none'; object-src 'none'"
)
PREVIEW_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; sandbox"
STATUS_TEXT = {
    400: "请求无效", 401: "需要访问口令", 403: "请求被拒绝", 404: "找不到这个页面",
    405: "不支持这种操作", 411: "缺少内容长度", 413: "文件太大", 415: "不支持的文件类型", 422: "无法处理",
}  # fmt: skip
log = logging.getLogger("budgetgen.serve")


def _environment() -> jinja2.Environment:
    """Templates from this package, always autoescaped."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    env.globals["severity_zh"] = {k.value: v for k, v in SEVERITY_ZH.items()}
    env.filters["wan"] = lambda text: "—" if text is None else format_wan(Decimal(text))
    return env


class _InMemory(MultiPartParser):
    """Multipart parsing that keeps the (already size-bounded) upload in memory: nothing lands in /tmp."""

    spool_max_size = 64 * 1024 * 1024


def create_app(settings: ServeSettings) -> Starlette:
    """The application for one server process (its own upload registry, worker pool and secret)."""
    env = _environment()
    store = UploadStore(settings.workdir, settings.expiry)
    pool = RenderPool(settings.workers)
    queue: list[Future[Any]] = []

    def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        session = request.state.session
        text = env.get_template(template).render(csrf=settings.sign("csrf:" + session), **context)
        return HTMLResponse(text, status_code=status)

    def problem(request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message, "status": status}, status_code=status)
        title = STATUS_TEXT.get(status, "出错了")
        return page(request, "error.html", status, title=title, message=message)

    # ---- the checks every request passes ------------------------------------------------------------

    def authorised(request: Request) -> bool:
        if settings.token is None:
            return True
        given = request.headers.get("x-budgetgen-token") or ""
        bearer = request.headers.get("authorization", "")
        if bearer.lower().startswith("bearer "):
            given = bearer[7:].strip()
        if given and secrets.compare_digest(given.encode(), settings.token.encode()):
            return True
        cookie = request.cookies.get(AUTH_COOKIE, "")
        return secrets.compare_digest(cookie, settings.sign("auth:" + settings.token))

    def same_origin(request: Request) -> bool:
        origin = request.headers.get("origin")
        return origin is None or urlsplit(origin).netloc == request.headers.get("host", "")

    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        session = request.cookies.get(SESSION_COOKIE, "")
        fresh = len(session) != 43
        request.state.session = secrets.token_urlsafe(32) if fresh else session
        try:
            await run_in_threadpool(store.sweep)
            host = (urlsplit("//" + request.headers.get("host", "")).hostname or "").lower()
            public = request.url.path in ("/login", "/healthz") or request.url.path.startswith("/static/")
            if settings.token is None and host not in LOOPBACK_NAMES:
                response = problem(request, 400, "本服务只接受本机地址（127.0.0.1 或 localhost）的访问。")
            elif not public and not authorised(request):
                if request.method == "GET" and not request.url.path.startswith("/api/"):
                    response = RedirectResponse("/login", status_code=303)
                else:
                    response = problem(request, 401, "需要访问口令：请先登录，或在请求头中提供口令。")
            elif request.method == "POST" and not same_origin(request):
                response = problem(request, 403, "请求来自其他网站，已拒绝（CSRF 保护）。")
            else:
                response = await call_next(request)
        except Exception:
            log.exception("request failed: %s %s", request.method, request.url.path)
            response = problem(
                request, 500, "服务器处理这个请求时出错了。请重试；如果仍然出错，请把文件交给信息技术同事。"
            )
        if fresh:
            response.set_cookie(SESSION_COOKIE, request.state.session, httponly=True, samesite="strict")
        response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"  # "no-referrer" would make the Origin of a form "null"
        response.headers["Cache-Control"] = "no-store"
        return response

    # ---- uploads --------------------------------------------------------------------------------------

    async def read_form(request: Request, csrf: bool = True) -> tuple[dict[str, str], tuple[str, bytes] | None]:
        """The form's fields and its one file (name, bytes); size and field count bounded, the CSRF token checked."""
        length = request.headers.get("content-length")
        if length is None or not length.isdigit():
            raise HTTPException(411, "请求缺少内容长度。")
        if int(length) > settings.max_upload + 64 * 1024:
            raise HTTPException(413, f"文件太大：上限 {mb(settings.max_upload)}。")
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise HTTPException(415, "请用表单上传文件（multipart/form-data）。")
        parser = _InMemory(request.headers, request.stream(), max_files=1, max_fields=8, max_part_size=4096)
        try:
            form = await parser.parse()
        except MultiPartException as error:
            raise HTTPException(400, f"表单无法读取：{error.message}") from None
        try:
            fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
            files = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
            upload = (files[0].filename or "", await files[0].read(settings.max_upload + 1)) if files else None
        finally:
            await form.close()
        if csrf and not secrets.compare_digest(fields.get("csrf", ""), settings.sign("csrf:" + request.state.session)):
            raise HTTPException(403, "页面已过期或请求来自其他网站（CSRF 保护）：请回到首页重新操作。")
        return fields, upload

    async def save_upload(request: Request, file: tuple[str, bytes] | None, profile: str) -> Upload:
        """The upload checked for type and size, saved under its fixed name in a new folder."""
        if file is None or not file[0]:
            raise HTTPException(400, "没有选择文件。")
        name, data = file
        suffix = Path(name.replace("\\", "/")).suffix.lower()
        if suffix not in SUFFIXES:
            raise HTTPException(415, "只能上传 Excel 输入表（.xlsx）或 YAML 文件（.yaml、.yml）。")
        if len(data) > settings.max_upload:
            raise HTTPException(413, f"文件太大：上限 {mb(settings.max_upload)}。")
        if not data:
            raise HTTPException(400, "上传的文件是空的。")
        if suffix == ".xlsx" and not data.startswith(XLSX_MAGIC):
            raise HTTPException(415, "这个文件不是 Excel 工作簿（.xlsx）：请在 Excel 中“另存为” .xlsx 后再上传。")
        return store.create(request.state.session, name, valid_profile(profile), data, suffix)

    def valid_profile(profile: str | None) -> str:
        """Only the built-in layouts: a profile given as a folder path would read the server's disk."""
        from budgetgen.profiles import DEFAULT_PROFILE, available_profiles

        chosen = profile or DEFAULT_PROFILE
        if chosen not in available_profiles():
            raise HTTPException(400, f"没有名为“{chosen}”的样式。")
        return chosen

    def owned(request: Request) -> Upload:
        upload = store.get(request.path_params["upload"], request.state.session)
        if upload is None:
            raise HTTPException(404, "这份上传已过期或不存在（上传的文件只保留一段时间）。请重新上传。")
        return upload

    # ---- the page -------------------------------------------------------------------------------------

    async def index(request: Request) -> Response:
        from budgetgen.catalogs import available_years
        from budgetgen.profiles import DEFAULT_PROFILE, available_profiles, load_profile

        years = available_years()
        profiles = [(name, load_profile(name).description or load_profile(name).title) for name in available_profiles()]
        return page(
            request, "index.html", years=years, latest=years[-1], profiles=profiles, default_profile=DEFAULT_PROFILE,
            expiry_minutes=max(1, round(settings.expiry / 60)), max_mb=mb(settings.max_upload),
        )  # fmt: skip

    async def template_download(request: Request) -> Response:
        text = request.query_params.get("year", "")
        year = int(text) if text.isdigit() and len(text) == 4 else None
        try:
            data = await run_in_threadpool(work.empty_workbook, year)
        except InputError as error:
            return page(request, "error.html", 422, title="无法生成输入表", message=str(error.diagnostics[0].message))
        return download(data, f"预算输入表-{year or '最新'}.xlsx", XLSX_TYPE)

    async def new_year(request: Request) -> Response:
        fields, file = await read_form(request)
        upload = await save_upload(request, file, fields.get("profile", ""))
        try:
            text = fields.get("year", "")
            year = int(text) if text.isdigit() and len(text) == 4 else None
            data, notes = await run_in_threadpool(
                work.new_year_workbook, upload.input, upload.name, upload.profile, year
            )
        except BaseException:
            store.remove(upload)
            raise
        name = f"预算输入表-{year or '下一年'}.xlsx"
        if data is None or not notes:
            store.remove(upload)
        if data is None:
            return page(request, "findings_only.html", 422, title="无法由上年输入生成新年度输入表", name=upload.name,
                        findings=[d.as_dict() for d in notes])  # fmt: skip
        if not notes:
            return download(data, name, XLSX_TYPE)
        # what the carry changed (codes renumbered or removed) is shown before the download, not lost
        (upload.folder / NEXT_YEAR).write_bytes(data)
        upload.result = {"next_year": name}
        return page(request, "new_year.html", upload=upload, name=name, findings=[d.as_dict() for d in notes])

    async def next_year_download(request: Request) -> Response:
        upload = owned(request)
        file = upload.folder / NEXT_YEAR
        if "next_year" not in upload.result or not file.is_file():
            raise HTTPException(404, "这份新年度输入表已过期或不存在。请重新生成。")
        return download(file.read_bytes(), upload.result["next_year"], XLSX_TYPE)

    async def upload_page(request: Request) -> Response:
        fields, file = await read_form(request)
        upload = await save_upload(request, file, fields.get("profile", ""))
        upload.result = await run_in_threadpool(analyse, upload)
        store.get(upload.id, upload.session)  # its expiry counts from now, not from before the check
        return RedirectResponse(f"/u/{upload.id}", status_code=303)

    def analyse(upload: Upload) -> dict[str, Any]:
        """Check the upload; with a previous upload of the same unit in this session, the diff against it."""
        from budgetgen.diff import FAMILY_NAMES, diff

        result = work.check_upload(upload.input, upload.name, upload.profile)
        if "key" in result:
            upload.result = result
            previous = store.latest(upload.session, result["key"], upload.id)
            if previous is not None:
                changes = diff(previous.result["context"], result["context"])
                result["previous"] = previous.name
                result["diff"] = [
                    {"family": FAMILY_NAMES[c.family], "key": c.key, "before": c.before, "after": c.after}
                    for c in changes
                ]
        return result

    async def result_page(request: Request) -> Response:
        upload = owned(request)
        result = upload.result
        findings: list[Diagnostic] = result.get("findings", [])
        return page(
            request, "result.html", upload=upload, findings=[d.as_dict() for d in findings],
            errors=work.error_count(findings), unreadable=result.get("unreadable", True),
            summary=result.get("summary"), preview="html" in result, diff=result.get("diff"),
            previous=result.get("previous"), annotatable=upload.input.suffix == ".xlsx",
        )  # fmt: skip

    async def preview(request: Request) -> Response:
        upload = owned(request)
        if "html" not in upload.result:
            raise HTTPException(404, "输入还有错误，不生成预览。")
        response = HTMLResponse(upload.result["html"])
        response.headers["Content-Security-Policy"] = PREVIEW_POLICY
        return response

    async def annotated(request: Request) -> Response:
        upload = owned(request)
        data = await run_in_threadpool(work.annotated_workbook, upload.input, upload.profile)
        if data is None:
            raise HTTPException(404, "这份输入没有标注版（只有 Excel 输入表才能标注）。")
        stem = Path(upload.name).stem
        return download(data, f"{stem}-检查结果.xlsx", XLSX_TYPE)

    async def start_render(request: Request) -> Response:
        upload = owned(request)
        fields, _ = await read_form(request)
        draft = fields.get("kind") == "draft"
        if not draft and (upload.result.get("unreadable", True) or work.error_count(upload.result["findings"])):
            raise HTTPException(422, "输入还有错误，只能生成带水印的草稿。")
        job_id = secrets.token_urlsafe(12)
        job: dict[str, Any] = {"status": "queued", "draft": draft, "queued": time.monotonic()}
        upload.jobs[job_id] = job
        args = (upload.input, upload.name, upload.profile, {"xlsx", "pdf"}, draft, f"job-{job_id}")
        future = pool.submit(work.render_upload, *args)
        job["future"] = future

        def finished(done: Future[Any]) -> None:
            try:
                job.update(done.result())
                job["status"] = "done"
            except BaseException:  # a worker that died, or a bug in the render: this job only
                log.exception("render failed")
                job["status"] = "failed"

        future.add_done_callback(finished)
        queue.append(future)
        return RedirectResponse(f"/u/{upload.id}/jobs/{job_id}", status_code=303)

    async def job_page(request: Request) -> Response:
        upload = owned(request)
        job = upload.jobs.get(request.path_params["job"])
        if job is None:
            raise HTTPException(404, "找不到这项生成任务。")
        future: Future[Any] = job["future"]
        if job["status"] == "queued" and future.running():
            job["status"], job["started"] = "running", time.monotonic()
        queue[:] = [f for f in queue if not f.done()]
        earlier = queue[: queue.index(future)] if future in queue else []
        ahead = sum(1 for f in earlier if not f.running()) if job["status"] == "queued" else 0
        elapsed = time.monotonic() - job.get("started", job["queued"])
        findings = [d.as_dict() for d in job.get("findings", [])]
        return page(request, "job.html", upload=upload, job_id=request.path_params["job"], job=job, ahead=ahead,
                    elapsed=round(elapsed), findings=findings)  # fmt: skip

    async def output_file(request: Request) -> Response:
        upload = owned(request)
        job = upload.jobs.get(request.path_params["job"])
        name = request.path_params["name"]
        if job is None or name not in job.get("files", []):
            raise HTTPException(404, "找不到这个文件。")
        kind = XLSX_TYPE if name.endswith(".xlsx") else "application/pdf"
        folder = upload.folder / f"job-{request.path_params['job']}"
        return download((folder / name).read_bytes(), name, kind)

    # ---- login ----------------------------------------------------------------------------------------

    async def login(request: Request) -> Response:
        if settings.token is None:  # nothing to log in to
            return RedirectResponse("/", status_code=303)
        if request.method == "GET":
            return page(request, "login.html", failed=False)
        form = await request.form(max_files=0, max_fields=4, max_part_size=4096)
        token, csrf = str(form.get("token", "")), str(form.get("csrf", ""))
        if not secrets.compare_digest(csrf, settings.sign("csrf:" + request.state.session)):
            raise HTTPException(403, "页面已过期（CSRF 保护）：请刷新后重新登录。")
        if not secrets.compare_digest(token.encode(), settings.token.encode()):
            await asyncio.sleep(0.5)  # slows guessing; other requests go on
            return page(request, "login.html", 401, failed=True)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(AUTH_COOKIE, settings.sign("auth:" + settings.token), httponly=True, samesite="strict")
        return response

    # ---- the API --------------------------------------------------------------------------------------

    async def api_check(request: Request) -> Response:
        fields, file = await read_form(request, csrf=False)
        upload = await save_upload(request, file, fields.get("profile", ""))
        try:
            result = await run_in_threadpool(work.check_upload, upload.input, upload.name, upload.profile)
        finally:
            store.remove(upload)
        body = as_json(result["findings"])
        return Response(body, 422 if result["unreadable"] else 200, media_type="application/json")

    async def api_render(request: Request) -> Response:
        fields, file = await read_form(request, csrf=False)
        upload = await save_upload(request, file, fields.get("profile", ""))
        cleanup = BackgroundTask(store.remove, upload)
        try:
            draft = fields.get("draft", "").lower() in ("1", "true", "yes", "on")
            formats = {f.strip() for f in fields.get("formats", "xlsx,pdf").split(",") if f.strip()}
            if not formats or not formats <= {"xlsx", "pdf"}:
                raise HTTPException(400, "formats 只能是 xlsx、pdf 或 xlsx,pdf。")
            future = pool.submit(work.render_upload, upload.input, upload.name, upload.profile, formats, draft)
            result = await asyncio.wrap_future(future)
        except BaseException:
            store.remove(upload)
            raise
        if not result["files"]:
            body = as_json(result["findings"])
            return Response(body, 422, media_type="application/json", background=cleanup)
        data = work.zip_files(upload.folder / "out", result["files"])
        name = Path(result["files"][0]).stem + ".zip"
        return download(data, name, "application/zip", cleanup)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return problem(request, exc.status_code, exc.detail)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        yield
        await run_in_threadpool(pool.shutdown)

    routes = [
        Route("/", index),
        Route("/healthz", healthz),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/template", template_download),
        Route("/new-year", new_year, methods=["POST"]),
        Route("/upload", upload_page, methods=["POST"]),
        Route("/u/{upload}", result_page),
        Route("/u/{upload}/preview", preview),
        Route("/u/{upload}/annotated.xlsx", annotated),
        Route("/u/{upload}/next-year.xlsx", next_year_download),
        Route("/u/{upload}/render", start_render, methods=["POST"]),
        Route("/u/{upload}/jobs/{job}", job_page),
        Route("/u/{upload}/jobs/{job}/{name}", output_file),
        Route("/api/check", api_check, methods=["POST"]),
        Route("/api/render", api_render, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=guard)],
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.settings = settings
    return app


def mb(size: int) -> str:
    """A size limit as people read it."""
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size} 字节"


def download(data: bytes, name: str, kind: str, background: BackgroundTask | None = None) -> Response:
    """Bytes as a file to save, under a name any browser accepts (RFC 5987 for the Chinese)."""
    ascii_name = "".join(ch if (ch.isascii() and ch.isalnum()) or ch in "-._" else "_" for ch in name)
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=kind, headers={"Content-Disposition": disposition}, background=background)
