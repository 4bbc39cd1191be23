"""One run of the pipeline over one input, owned in one place: io → model → ledger → checks / document.

Every command (``render``, ``check``, ``diff``, ``summary``, ``batch``, ``new-year``) and the server build a
``Run`` and ask it for what they need. The profile is loaded first (a bad profile is reported before the
input is read), then the input, then the ledger; the findings and the document are computed when first
asked for, once, and shared: the checks read the same document the renderers write.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from budgetgen.catalogs.local import ENV_VAR as CATALOG_ENV
from budgetgen.checks import has_errors, run_checks
from budgetgen.checks.context import CheckContext
from budgetgen.diagnostics import Diagnostic, Severity
from budgetgen.files import write_set
from budgetgen.io.load import LoadedInput, load_budget
from budgetgen.ledger.build import Ledger, build_ledger
from budgetgen.package.model import Document
from budgetgen.profile_check import verify_profile
from budgetgen.profiles import DEFAULT_PROFILE, ProfileSettings, load_profile
from budgetgen.render.html import Draft
from budgetgen.render.package import render_outputs, verify_outputs_before_writing

Stage = Callable[[str], None]


class RefusedError(Exception):
    """The input has check errors: a final package is not rendered (``--draft`` renders anyway)."""

    def __init__(self, findings: list[Diagnostic]) -> None:
        self.findings = findings
        super().__init__(f"{len(findings)} findings")


@dataclass(frozen=True)
class Options:
    """How a run checks and renders: the rules chosen (as ``check``), draft, lenient loading, a local catalog."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    draft: bool = False
    lenient: bool = False  # see ``load_budget``: errors that leave the model whole become findings
    catalog_file: Path | None = None  # else ``--catalog`` / the ``catalog.csv`` beside the input


@contextmanager
def local_catalog(file: Path | None) -> Iterator[None]:
    """Load with ``file`` as the local catalog (as ``--catalog`` does); nothing changes without one."""
    if file is None:
        yield
        return
    before = os.environ.get(CATALOG_ENV)
    os.environ[CATALOG_ENV] = str(file.absolute())
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(CATALOG_ENV, None)
        else:
            os.environ[CATALOG_ENV] = before


class Run:
    """An input under a profile: loaded input, ledger, findings and document, each made once."""

    def __init__(self, loaded: LoadedInput, profile: str = DEFAULT_PROFILE, options: Options = Options()) -> None:
        self.profile = profile
        self.options = options
        self.settings: ProfileSettings = load_profile(profile)
        self.loaded = loaded
        self.input_path = loaded.source
        self.ledger: Ledger = build_ledger(loaded.budget, loaded.catalog, self.settings)
        self.context = CheckContext(loaded, self.ledger, profile)

    @classmethod
    def load(
        cls,
        input_path: Path,
        profile: str = DEFAULT_PROFILE,
        *,
        select: Iterable[str] = (),
        ignore: Iterable[str] = (),
        draft: bool = False,
        lenient: bool = False,
        catalog_file: Path | None = None,
    ) -> Run:
        """Read an input (a YAML or xlsx file, or a folder with ``budget.yaml``) and build its ledger."""
        options = Options(tuple(select), tuple(ignore), draft, lenient, catalog_file)
        with local_catalog(catalog_file):
            verify_profile(profile)  # first: a broken profile is the error, whatever the input
            return cls(load_budget(input_path, lenient=lenient), profile, options)

    @cached_property
    def findings(self) -> list[Diagnostic]:
        """The profile's rules over this input, narrowed by ``select`` / ``ignore``, in input order."""
        return run_checks(self.context, self.options.select, self.options.ignore)

    @property
    def document(self) -> Document:
        """The package as one document (the one the checks read)."""
        return self.context.document

    def outputs(
        self,
        output_dir: Path,
        formats: set[str],
        pdf_workers: int | None = None,
        stage: Stage | None = None,
        engine: str = "weasyprint",
    ) -> dict[Path, bytes]:
        """The bytes of ``<stem>.xlsx`` / ``.pdf`` / ``.html`` by their path in ``output_dir``.

        Without ``draft`` an input with check errors is refused (``RefusedError``); a draft is always
        rendered, with a watermark, the input's hash and its findings on a page of their own.
        """
        say = stage or (lambda _stage: None)
        say("检查输入")
        findings = self.findings
        if not self.options.draft and has_errors(findings):
            raise RefusedError([f for f in findings if f.severity is Severity.ERROR])
        document = self.document
        marks = None
        if self.options.draft:
            document = replace(document, findings=tuple(str(f) for f in findings))
            marks = Draft(hashlib.sha256(self.loaded.raw).hexdigest()[:12], self.loaded.budget.prepared_on)
        return render_outputs(
            document, self.ledger, self.profile, output_dir, formats, marks, pdf_workers, say, engine
        )

    def write(
        self,
        output_dir: Path,
        formats: set[str],
        pdf_workers: int | None = None,
        stage: Stage | None = None,
        engine: str = "weasyprint",
        verify: bool = False,
    ) -> list[Path]:
        """Write the package's files into ``output_dir`` as a set (all or none); return their paths.

        ``verify`` reads the files back before they replace anything (``VerifyError`` on a mismatch).
        """
        outputs = self.outputs(output_dir, formats, pdf_workers, stage, engine)
        if verify:
            verify_outputs_before_writing(self.document, outputs)
        if stage is not None:
            stage("写入文件")
        return write_set(outputs)


def render_package(
    input_path: Path,
    output_dir: Path,
    profile: str,
    formats: set[str],
    draft: bool = False,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    stage: Stage | None = None,
    engine: str = "weasyprint",
    verify: bool = False,
) -> list[Path]:
    """Load an input and write its package; return the paths written (``stage`` is told each step)."""
    if stage is not None:
        stage("读取输入")
    run = Run.load(input_path, profile, select=select, ignore=ignore, draft=draft)
    return run.write(output_dir, formats, stage=stage, engine=engine, verify=verify)


def check_and_annotate(
    path: Path, profile: str, select: Sequence[str] = (), ignore: Sequence[str] = ()
) -> tuple[list[Diagnostic], bytes]:
    """Check an input workbook and return its findings with the annotated copy (the input is untouched).

    Input errors come back as findings too (when the workbook can be opened at all): the annotated
    copy is how an accountant sees every problem of one round at its cell.
    """
    from budgetgen.checks.annotate import annotate_workbook
    from budgetgen.diagnostics import InputError
    from budgetgen.io.load import read_bytes, resolve

    file = resolve(path)
    source = read_bytes(file)
    try:
        run = Run.load(file, profile, select=select, ignore=ignore, lenient=True)
    except InputError as error:
        if any(d.location.file == str(file) and d.location.cell is None for d in error.diagnostics):
            raise  # the file itself cannot be read as a workbook: nothing to annotate
        found = list(error.diagnostics)
    else:
        found = [*run.loaded.problems, *run.findings]
    return found, annotate_workbook(source, found)
