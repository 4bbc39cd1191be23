"""The Jinja2 environment of a profile's templates: sandboxed and confined to the profile's folders.

Profiles are shared between users (``budgetgen profiles copy``), so a profile template is code from
someone else. It runs in Jinja's immutable sandbox over the documented context only: no ``_``
attributes, no methods that read files or rebuild models, no mutation of what it is given. Its
loader serves files inside the profile's folders only (a symlink pointing out is refused, ``..``
never resolves), and any template error becomes a located ``BG-E030`` (file:line), exit 2.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path, PurePath
from types import BuiltinMethodType, MethodType
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import BaseModel

from budgetgen.diagnostics import Diagnostic, InputError, Location
from budgetgen.profiles import profile_source

# Methods that reach the file system or re-parse data, whatever object carries them.
_UNSAFE_NAMES = frozenset(
    {
        "open", "read_text", "read_bytes", "write_text", "write_bytes", "unlink",
        "parse_file", "parse_raw", "parse_obj", "from_orm", "construct", "model_construct", "model_validate",
        "model_validate_json", "model_validate_strings", "model_rebuild", "model_copy",
        "schema_json", "model_json_schema", "update_forward_refs", "mro",
    }
)  # fmt: skip


class _ConfinedLoader(jinja2.FileSystemLoader):
    """A folder's templates; a file whose real path is outside the folder is not found."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder), followlinks=False)
        self.folder = folder

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        if not Path(filename).resolve().is_relative_to(self.folder):
            raise jinja2.TemplateNotFound(template)
        return source, filename, uptodate


class ProfileEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, stricter still: pydantic models show their fields and their own properties only."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._verdicts: dict[tuple[type, str], bool] = {}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        # Every test below depends on the object's type and the name only (not on the value), so the
        # answer is kept per (type, name): a table page reads tens of thousands of attributes.
        key = (type(obj), attr)
        known = self._verdicts.get(key)
        if known is None:
            known = self._verdicts[key] = self._judge(obj, attr, value)
        return known

    def getattr(self, obj: Any, attribute: str) -> Any:
        """A fast path for attributes already judged safe on this type; methods take the full path.

        (Jinja wraps a ``str.format`` method it hands out; only a method value can be one.)
        """
        if self._verdicts.get((type(obj), attribute)):
            try:
                value = getattr(obj, attribute)
            except AttributeError:
                return super().getattr(obj, attribute)
            if not isinstance(value, MethodType | BuiltinMethodType):
                return value
        return super().getattr(obj, attribute)

    def _judge(self, obj: Any, attr: str, value: Any) -> bool:
        if attr in _UNSAFE_NAMES or isinstance(obj, PurePath):
            return False
        if isinstance(obj, BaseModel) and not _own_attribute(type(obj), attr):
            return False
        return bool(super().is_safe_attribute(obj, attr, value))


@cache
def _own_attribute(cls: type, attr: str) -> bool:
    """A model field, or an attribute a budgetgen class defines (not one pydantic gives every model)."""
    if attr in getattr(cls, "model_fields", {}):
        return True
    return any(attr in vars(k) for k in cls.__mro__ if k.__module__.startswith("budgetgen."))


def css_string(text: str) -> str:
    """Text as a quoted CSS string (for bookmark labels): quotes, backslashes and controls escaped."""
    escaped = "".join(ch if ch.isprintable() and ch not in "\\\"'" else f"\\{ord(ch):x} " for ch in text)
    return f'"{escaped}"'


@cache
def environment(profile: str) -> jinja2.Environment:
    """The sandboxed environment of a profile: its folder, the built-in base, then the shared templates.

    One per profile and run, so each template is compiled once (the filters are the same for every use).
    """
    from budgetgen.money import format_wan, format_wan_short
    from budgetgen.package.facts import class_short_name
    from budgetgen.package.words import chinese_number, missing

    source = profile_source(profile)
    env = ProfileEnvironment(
        loader=jinja2.ChoiceLoader([_ConfinedLoader(folder) for folder in source.folders]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
    )
    env.filters["wan"] = format_wan
    env.filters["wan_short"] = format_wan_short
    env.filters["pct"] = lambda value: f"{value:.2f}"
    env.globals["missing"] = missing
    env.globals["ordinal"] = chinese_number
    env.globals["class_short"] = class_short_name
    env.filters["css_string"] = css_string
    return env


def render_profile_template(env: jinja2.Environment, name: str, **context: Any) -> str:
    """Render one template of a profile; an error in it is a located input error, not a traceback."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as error:
        where = Location(error.filename or name, error.lineno)
        raise InputError([Diagnostic("BG-E030", f"样式模板语法错误：{error.message}", where)]) from None
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as error:
        raise InputError([Diagnostic("BG-E030", f"样式模板出错：{_describe(error)}", _where(error, name))]) from None


def _describe(error: Exception) -> str:
    if isinstance(error, jinja2.TemplateNotFound):
        return f"找不到模板“{error.name}”（只能引用样式文件夹中的文件）"
    if isinstance(error, jinja2.exceptions.SecurityError):
        return f"模板使用了不允许的操作（{error}）"
    return f"{type(error).__name__}: {error}"


def _where(error: Exception, name: str) -> Location:
    """The template file and line where the error happened (the innermost template frame)."""
    found = Location(name)
    tb = error.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".j2", ".html", ".css")):
            found = Location(filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def parse_templates(profile: str) -> None:
    """Parse every template of a user's profile folder: a syntax error is located before rendering."""
    source = profile_source(profile)
    env = environment(profile)
    for path in sorted(source.folders[0].glob("*.j2")):
        try:
            env.get_template(path.name)
        except jinja2.TemplateSyntaxError as error:
            where = Location(error.filename or str(path), error.lineno)
            raise InputError([Diagnostic("BG-E030", f"样式模板语法错误：{error.message}", where)]) from None
        except jinja2.TemplateNotFound:
            problem = Diagnostic("BG-E030", "样式文件指向样式文件夹以外，不予读取", Location(str(path)))
            raise InputError([problem]) from None
