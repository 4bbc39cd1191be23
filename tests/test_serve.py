"""budgetgen serve over real HTTP: the API, the page's forms, uploads' folders, the guard."""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import httpx
import openpyxl
import pytest

from budgetgen.io.load import load_budget
from budgetgen.io.template import render_template
from budgetgen.serve import work
from budgetgen.serve.settings import ServeSettings, UnsafeStart
from tests.conftest import DEMO, EXAMPLES, GUANGYUAN, ROOT, run
from tests.serving import running


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The worked example as a filled input workbook (``template --from examples/guangyuan-2025``)."""
    loaded = load_budget(GUANGYUAN)
    path = tmp_path_factory.mktemp("serve") / "广元-2025.xlsx"
    path.write_bytes(render_template(loaded.catalog, loaded.budget))
    return path


@pytest.fixture(scope="module")
def unbalanced() -> bytes:
    """The demo county, its first unit's income 10 万元 short of its spending (BG-C101, an error)."""
    text = (DEMO / "budget.yaml").read_text(encoding="utf-8")
    return text.replace("amount: 568.110272}", "amount: 558.110272}").encode("utf-8")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One server for the module; its upload folders live under the yielded work folder."""
    workdir = tmp_path_factory.mktemp("serve-work") / "uploads"
    with running(workdir) as (url, _):
        yield url, workdir


def csrf_of(client: httpx.Client) -> str:
    """The page's CSRF token (and the session cookie that goes with it)."""
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get("/").text)
    assert found
    return found[1]


def test_api_check_gives_the_json_of_check(server: tuple[str, Path], workbook: Path) -> None:
    url, workdir = server
    response = httpx.post(f"{url}/api/check", files={"file": (workbook.name, workbook.read_bytes())}, timeout=60)
    assert response.status_code == 200
    cli = run("check", workbook, "--format", "json")
    assert response.json() == json.loads(cli.stdout)
    assert {f["code"] for f in response.json()["findings"]} == {"BG-C123"}
    assert list(workdir.iterdir()) == []  # the API's upload folder went with its response


def test_api_check_names_the_upload_not_the_server_folder(server: tuple[str, Path], unbalanced: bytes) -> None:
    url, workdir = server
    response = httpx.post(f"{url}/api/check", files={"file": ("预算.yaml", unbalanced)}, timeout=60)
    assert response.status_code == 200
    body = response.json()
    assert body["errors"] >= 1
    c101 = [f for f in body["findings"] if f["code"] == "BG-C101"]
    assert c101
    assert re.fullmatch(r"预算\.yaml:\d+:\d+", c101[0]["location"])
    assert str(workdir) not in response.text


def test_api_render_gives_a_zip_with_the_workbook(server: tuple[str, Path], workbook: Path) -> None:
    url, _ = server
    files = {"file": (workbook.name, workbook.read_bytes())}
    response = httpx.post(f"{url}/api/render", files=files, data={"formats": "xlsx"}, timeout=60)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.namelist() == ["342601-2025-预算公开.xlsx"]
    book = openpyxl.load_workbook(io.BytesIO(archive.read(archive.namelist()[0])), read_only=True)
    values = {cell for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row}
    assert any(isinstance(v, int | float) and Decimal(str(v)) == Decimal("1183.38") for v in values)


def test_api_render_refuses_errors_with_422_and_drafts_them(server: tuple[str, Path], unbalanced: bytes) -> None:
    url, _ = server
    files = {"file": ("demo.yaml", unbalanced)}
    refused = httpx.post(f"{url}/api/render", files=files, data={"formats": "xlsx"}, timeout=60)
    assert refused.status_code == 422
    assert "BG-C101" in {f["code"] for f in refused.json()["findings"]}
    draft = httpx.post(f"{url}/api/render", files=files, data={"formats": "xlsx", "draft": "1"}, timeout=60)
    assert draft.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(draft.content)).namelist()[0].endswith(".xlsx")


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("setup.exe", b"MZ\x90\x00", 415),  # not a type we read
        ("预算.xlsx", b"not a workbook", 415),  # not a zip at all
        ("预算.xlsx", b"PK\x03\x04" + b"\x00" * 64, 422),  # a broken zip: the workbook reader's BG-E041
        ("预算.yaml", b"", 400),
        ("../../etc/passwd.yaml", b"a: [1, 2", 422),  # a path as a name is only a name
    ],
)
def test_junk_uploads_are_4xx(server: tuple[str, Path], name: str, data: bytes, status: int) -> None:
    url, workdir = server
    response = httpx.post(f"{url}/api/check", files={"file": (name, data)}, timeout=30)
    assert response.status_code == status
    assert "Traceback" not in response.text
    assert list(workdir.iterdir()) == []


def test_too_large_an_upload_is_413(tmp_path: Path) -> None:
    with running(tmp_path / "w", max_upload=1000) as (url, _):
        response = httpx.post(f"{url}/api/check", files={"file": ("a.yaml", b"#" * 5000)}, timeout=30)
    assert response.status_code == 413


def test_six_parallel_uploads(server: tuple[str, Path], workbook: Path) -> None:
    url, workdir = server
    data = workbook.read_bytes()

    def check(_: int) -> httpx.Response:
        return httpx.post(f"{url}/api/check", files={"file": (workbook.name, data)}, timeout=120)

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(check, range(6)))
    assert [a.status_code for a in answers] == [200] * 6
    assert len({a.text for a in answers}) == 1
    assert list(workdir.iterdir()) == []


def test_a_render_does_not_block_the_page(server: tuple[str, Path], workbook: Path) -> None:
    url, _ = server
    with ThreadPoolExecutor(1) as pool:
        render = pool.submit(
            httpx.post, f"{url}/api/render", files={"file": (workbook.name, workbook.read_bytes())}, timeout=120
        )
        time.sleep(0.3)
        started = time.monotonic()
        assert httpx.get(f"{url}/healthz", timeout=10).status_code == 200
        answered = time.monotonic() - started
        assert not render.done()  # the PDF was still being laid out while the server answered
        assert render.result().status_code == 200
    assert answered < 5  # a render in the pool leaves the event loop free (seconds, not the render's time)


def test_non_local_start_without_a_token_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsafeStart):
        ServeSettings(tmp_path, host="0.0.0.0")
    done = subprocess.run(
        [sys.executable, "-m", "budgetgen", "serve", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True, text=True, timeout=60, cwd=ROOT, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert done.returncode == 2
    assert "口令" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_busy_port_is_a_chinese_message(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        command = [sys.executable, "-m", "budgetgen", "serve", "--port", str(port), "--workdir", str(tmp_path)]
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=ROOT, env=env)
    assert done.returncode == 2
    assert f"端口 {port} 已被占用" in done.stderr


def test_expired_upload_folder_is_gone(tmp_path: Path) -> None:
    workdir = tmp_path / "uploads"
    with running(workdir, expiry=2.0) as (url, _), httpx.Client(base_url=url, timeout=60) as client:
        csrf = csrf_of(client)
        source = (GUANGYUAN / "budget.yaml").read_bytes()
        answer = client.post("/upload", data={"csrf": csrf}, files={"file": ("budget.yaml", source)})
        assert answer.status_code == 303
        page = answer.headers["location"]
        assert client.get(page).status_code == 200
        [folder] = workdir.iterdir()
        assert (folder / "input.yaml").read_bytes() == source
        time.sleep(2.5)
        assert client.get("/").status_code == 200  # any request sweeps
        assert not folder.exists()
        gone = client.get(page)
        assert gone.status_code == 404
        assert "过期" in gone.text


def test_an_upload_is_visible_only_to_its_session(server: tuple[str, Path]) -> None:
    url, _ = server
    with httpx.Client(base_url=url, timeout=60) as mine, httpx.Client(base_url=url, timeout=60) as other:
        answer = mine.post(
            "/upload",
            data={"csrf": csrf_of(mine)},
            files={"file": ("budget.yaml", (GUANGYUAN / "budget.yaml").read_bytes())},
        )
        page = answer.headers["location"]
        assert mine.get(page).status_code == 200
        assert other.get(page).status_code == 404
        assert mine.get("/u/..%2F..%2Fetc").status_code == 404


def test_forms_without_the_csrf_token_are_refused(server: tuple[str, Path], workbook: Path) -> None:
    url, workdir = server
    files = {"file": (workbook.name, workbook.read_bytes())}
    before = set(workdir.iterdir())
    with httpx.Client(base_url=url, timeout=60) as client:
        csrf = csrf_of(client)
        assert client.post("/upload", files=files).status_code == 403
        assert client.post("/upload", data={"csrf": "0" * 64}, files=files).status_code == 403
        foreign = client.post("/upload", data={"csrf": csrf}, files=files, headers={"Origin": "http://evil.example"})
        assert foreign.status_code == 403
        assert "CSRF" in foreign.text
    assert set(workdir.iterdir()) == before


def test_a_foreign_host_name_is_refused_without_a_token(server: tuple[str, Path]) -> None:
    url, _ = server
    assert httpx.get(f"{url}/", headers={"Host": "attacker.example"}).status_code == 400


def test_with_a_token_every_request_needs_it(tmp_path: Path, workbook: Path) -> None:
    token = "s3cret-token"
    files = {"file": (workbook.name, workbook.read_bytes())}
    with running(tmp_path / "w", token=token) as (url, _):
        assert httpx.get(f"{url}/").status_code == 303  # to the login form
        assert httpx.post(f"{url}/api/check", files=files).status_code == 401
        wrong = httpx.post(f"{url}/api/check", files=files, headers={"Authorization": "Bearer wrong-token"})
        assert wrong.status_code == 401
        right = httpx.post(f"{url}/api/check", files=files, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        assert right.status_code == 200
        with httpx.Client(base_url=url, timeout=30) as client:
            login = client.get("/login").text
            csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', login)
            assert csrf
            assert client.post("/login", data={"csrf": csrf[1], "token": "nope-nope"}).status_code == 401
            assert client.post("/login", data={"csrf": csrf[1], "token": token}).status_code == 303
            assert "上传并检查" in client.get("/").text


def test_a_crash_in_one_request_is_a_chinese_500_and_the_server_goes_on(
    server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = server

    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(work, "check_upload", broken)
    with httpx.Client(base_url=url, timeout=30) as client:
        csrf = csrf_of(client)
        answer = client.post("/upload", data={"csrf": csrf}, files={"file": ("a.yaml", b"a: 1\n")})
        assert answer.status_code == 500
        assert "服务器处理这个请求时出错了" in answer.text
        assert "boom" not in answer.text
        assert "Traceback" not in answer.text
        assert client.get("/healthz").status_code == 200


def test_the_empty_workbook_download(server: tuple[str, Path]) -> None:
    url, _ = server
    answer = httpx.get(f"{url}/template", params={"year": "2025"}, timeout=30)
    assert answer.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert "基本信息" in book.sheetnames
    assert "2025" in answer.headers["content-disposition"]


def test_next_years_workbook_from_this_years_input(server: tuple[str, Path]) -> None:
    url, workdir = server
    before = set(workdir.iterdir())
    with httpx.Client(base_url=url, timeout=60) as client:
        files = {"file": ("budget.yaml", (GUANGYUAN / "budget.yaml").read_bytes())}
        answer = client.post("/new-year", data={"csrf": csrf_of(client)}, files=files)
    assert answer.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    general = book["基本信息"]
    assert any(2026 in row for row in general.iter_rows(values_only=True))
    assert set(workdir.iterdir()) == before


def test_next_years_notes_are_shown_before_the_download(server: tuple[str, Path]) -> None:
    """A code renumbered in the new year (BG-E076) is told on a page, with the workbook one click away."""
    url, _ = server
    with httpx.Client(base_url=url, timeout=60) as client:
        files = {"file": ("budget.yaml", (EXAMPLES / "laiyuan-2020" / "budget.yaml").read_bytes())}
        fields = {"csrf": csrf_of(client), "profile": "hebei-2020", "year": "2021"}
        answer = client.post("/new-year", data=fields, files=files)
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/html")
        assert "BG-E076" in answer.text
        assert "科目 2089901 在 2021 年科目表中改为 2089999，已改" in answer.text
        link = re.search(r'href="(/u/[^"]+/next-year\.xlsx)"', answer.text)
        assert link is not None
        workbook = client.get(link.group(1))
        assert workbook.status_code == 200
        assert "2021" in workbook.headers["content-disposition"]
        book = openpyxl.load_workbook(io.BytesIO(workbook.content))
        assert any(2021 in row for row in book["基本信息"].iter_rows(values_only=True))
    with httpx.Client(base_url=url, timeout=60) as stranger:  # another session does not get it
        assert stranger.get(link.group(1)).status_code == 404


def test_a_second_upload_of_the_same_unit_shows_the_diff(server: tuple[str, Path]) -> None:
    url, _ = server
    first = (GUANGYUAN / "budget.yaml").read_bytes()
    text = first.decode("utf-8")
    second = text.replace("name: 广元市社会保险事务中心", "name: 广元市社会保险事务服务中心", 1).encode("utf-8")
    assert second != first
    with httpx.Client(base_url=url, timeout=60) as client:
        csrf = csrf_of(client)
        client.post("/upload", data={"csrf": csrf}, files={"file": ("第一稿.yaml", first)})
        answer = client.post(
            "/upload", data={"csrf": csrf}, files={"file": ("第二稿.yaml", second)}, follow_redirects=True
        )
    assert "与上一次上传（第一稿.yaml）相比" in answer.text
    assert "广元市社会保险事务服务中心" in answer.text


def test_the_annotated_workbook_download(server: tuple[str, Path], workbook: Path) -> None:
    url, _ = server
    with httpx.Client(base_url=url, timeout=60) as client:
        answer = client.post(
            "/upload", data={"csrf": csrf_of(client)}, files={"file": (workbook.name, workbook.read_bytes())}
        )
        page = answer.headers["location"]
        assert f'href="{page}/annotated.xlsx"' in client.get(page).text
        annotated = client.get(f"{page}/annotated.xlsx")
    assert annotated.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(annotated.content))
    assert book.sheetnames[0] == "检查结果"
    assert book["工资项目"]["A11"].comment is not None
    assert "BG-C123" in book["工资项目"]["A11"].comment.text


def test_with_errors_the_page_offers_only_a_draft(server: tuple[str, Path], unbalanced: bytes) -> None:
    url, _ = server
    with httpx.Client(base_url=url, timeout=60) as client:
        csrf = csrf_of(client)
        answer = client.post("/upload", data={"csrf": csrf}, files={"file": ("demo.yaml", unbalanced)})
        page = answer.headers["location"]
        text = client.get(page).text
        assert "BG-C101" in text
        assert 'value="draft"' in text
        assert "/preview" not in text  # nothing rendered while there are errors
        assert client.get(f"{page}/preview").status_code == 404
        final = client.post(f"{page}/render", data={"csrf": csrf, "kind": "final"}, files={"x": ("", b"")})
        assert final.status_code == 422


def test_a_render_worker_that_dies_fails_its_job_only() -> None:
    from concurrent.futures.process import BrokenProcessPool

    from budgetgen.serve.pool import RenderPool

    pool = RenderPool(1)
    try:
        with pytest.raises(BrokenProcessPool):
            pool.submit(os._exit, 1).result(timeout=60)
        assert pool.submit(pow, 2, 10).result(timeout=60) == 1024
    finally:
        pool.shutdown()


def test_a_workbook_with_xml_entities_is_refused_by_the_defensive_reader(
    server: tuple[str, Path], workbook: Path
) -> None:
    url, workdir = server
    source = zipfile.ZipFile(workbook)
    hostile = io.BytesIO()
    with zipfile.ZipFile(hostile, "w") as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>' + data.split(b"?>", 1)[-1]
            archive.writestr(item, data)
    response = httpx.post(f"{url}/api/check", files={"file": ("实体.xlsx", hostile.getvalue())}, timeout=60)
    assert response.status_code == 422
    [finding] = response.json()["findings"]
    assert finding["code"] == "BG-E041"
    assert finding["location"] == "实体.xlsx"
    assert str(workdir) not in response.text


@pytest.mark.parametrize(("content", "message"), [("", "无法读取口令文件"), ("short\n", "口令太短")])
def test_a_token_file_must_hold_a_usable_token(tmp_path: Path, content: str, message: str) -> None:
    token_file = tmp_path / "口令.txt"
    token_file.write_text(content, encoding="utf-8")
    result = run("serve", "--host", "0.0.0.0", "--token-file", token_file)
    assert result.exit_code == 2
    assert message in result.stderr


def test_the_preview_is_the_package_in_a_sandbox(server: tuple[str, Path]) -> None:
    url, _ = server
    with httpx.Client(base_url=url, timeout=60) as client:
        files = {"file": ("budget.yaml", (GUANGYUAN / "budget.yaml").read_bytes())}
        answer = client.post("/upload", data={"csrf": csrf_of(client)}, files=files, follow_redirects=True)
        assert "1,183.38" in answer.text  # the key figures on top
        preview = client.get(str(answer.url) + "/preview")
    assert preview.status_code == 200
    assert "sandbox" in preview.headers["content-security-policy"]
    assert "default-src 'none'" in preview.headers["content-security-policy"]
    assert "广元市社会保险事务中心" in preview.text
    assert "1,183.38" in preview.text


def test_folders_left_by_an_earlier_process_are_swept(tmp_path: Path) -> None:
    workdir = tmp_path / "uploads"
    workdir.mkdir()
    stale, fresh, other = workdir / ("a" * 22), workdir / ("b" * 22), workdir / "notes"
    for folder in (stale, fresh, other):
        folder.mkdir()
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    os.utime(other, (time.time() - 3600, time.time() - 3600))
    with running(workdir, expiry=60) as (url, _):
        assert httpx.get(f"{url}/healthz").status_code == 200
    assert not stale.exists()
    assert fresh.exists()  # not yet expired
    assert other.exists()  # not an upload's name: not ours to remove
