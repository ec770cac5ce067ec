"""The template sandbox: Jinja2's immutable sandbox, confined to the campaign's folder, with limits.

A campaign file may come from a stranger, so its templates are untrusted code. Three guards:

- **Files.** Templates load only from inside the campaign's folder: every path (the letter and anything
  it includes, imports or extends) is resolved, symlinks followed, and refused if it lands outside.
- **Size.** One rendering may produce at most `MAX_OUTPUT` characters; no single value (a string or list
  built with ``*``, ``~`` in a namespace, a padded or indented filter result) may exceed it either, and
  ``**`` may not build numbers of more than `MAX_POWER_BITS` bits.
- **Time.** One rendering may run for at most `MAX_SECONDS` seconds of wall time (a timer signal in the
  main thread, and a check on every `range` step anywhere).

A template that breaks a limit fails with `TemplateLimitError`, which names the limit.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace

from faxcampaign.files import is_inside

MAX_OUTPUT = 1_000_000
MAX_SECONDS = 2.0
MAX_RANGE = 100_000
MAX_POWER_BITS = 4096


class TemplateLimitError(jinja2.exceptions.SecurityError):
    """A template went past one of the sandbox's limits."""


def _too_big(value: Any) -> bool:
    return isinstance(value, (str, bytes, list, tuple)) and len(value) > MAX_OUTPUT


def _size_checked(value: Any) -> Any:
    if _too_big(value):
        raise TemplateLimitError(f"a value of more than {MAX_OUTPUT:,} characters or items")
    return value


def _int_args_checked(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    for arg in (*args, *kwargs.values()):
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_OUTPUT:
            raise TemplateLimitError(f"a number argument larger than {MAX_OUTPUT:,}")


class _Deadline:
    """The end of the current rendering, per thread (renderings do not nest)."""

    local = threading.local()

    @classmethod
    def check(cls) -> None:
        end = getattr(cls.local, "end", None)
        if end is not None and time.monotonic() > end:
            raise TemplateLimitError(f"rendering took longer than {MAX_SECONDS:g} s")


def _range(*args: int) -> Iterator[int]:
    values = range(*args)
    if len(values) > MAX_RANGE:
        raise TemplateLimitError(f"a range of more than {MAX_RANGE:,} items")
    for i, value in enumerate(values):
        if not i % 1024:
            _Deadline.check()
        yield value


class _Namespace(Namespace):
    """`namespace()` whose attributes may not grow past the size limit (``ns.s = ns.s ~ ns.s``)."""

    def __setitem__(self, name: str, value: Any) -> None:
        super().__setitem__(name, _size_checked(value))


def _checked_filter(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        _int_args_checked(args[1:], kwargs)
        return _size_checked(func(*args, **kwargs))

    return call


class LimitedEnvironment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset(["*", "**"])

    def __init__(self, **options: Any):
        super().__init__(**options)
        self.filters = {name: _checked_filter(f) for name, f in self.filters.items()}
        self.globals.update(range=_range, namespace=_Namespace)

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0 \
                and abs(left) > 1 and right * max(abs(left), 2).bit_length() > MAX_POWER_BITS:
            raise TemplateLimitError(f"a power of more than {MAX_POWER_BITS} bits")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, bytes, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_OUTPUT:
                    raise TemplateLimitError(f"a value of more than {MAX_OUTPUT:,} characters or items")
        return _size_checked(super().call_binop(context, operator, left, right))

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any,  # noqa: N805
             **kwargs: Any) -> Any:
        _int_args_checked(args, kwargs)
        return _size_checked(super().call(__context, __obj, *args, **kwargs))


class ConfinedLoader(jinja2.FileSystemLoader):
    """Loads templates from ``folder`` but only files that resolve to a place inside ``root``."""

    def __init__(self, folder: str, root: str):
        super().__init__(folder)
        self.root = Path(root).resolve()

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        for folder in self.searchpath:
            candidate = Path(folder, *jinja2.loaders.split_template_path(template))
            if os.path.lexists(candidate) and not is_inside(candidate, self.root):
                raise jinja2.exceptions.SecurityError(
                    f"{template!r} is outside the campaign's folder {self.root}")
        return super().get_source(environment, template)




@functools.lru_cache(maxsize=8)
def environment(folder: str, root: str, finalize: Callable[[Any], str] | None) -> jinja2.Environment:
    return LimitedEnvironment(
        loader=ConfinedLoader(folder, root),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        finalize=finalize,
    )


class _Timeout(BaseException):
    """Raised by the timer signal; BaseException so that a template's own code cannot swallow it."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise _Timeout


@contextlib.contextmanager
def _deadline() -> Iterator[None]:
    _Deadline.local.end = time.monotonic() + MAX_SECONDS
    timer = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    previous: Any = None
    if timer:
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, MAX_SECONDS)
    try:
        yield
    except _Timeout:
        raise TemplateLimitError(f"rendering took longer than {MAX_SECONDS:g} s") from None
    finally:
        if timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        _Deadline.local.end = None


def render(template: jinja2.Template, values: dict[str, Any]) -> str:
    """Render within the limits of size and time."""
    with _deadline():
        size = 0
        parts = []
        for chunk in template.generate(values):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateLimitError(f"output of more than {MAX_OUTPUT:,} characters")
            parts.append(chunk)
        return "".join(parts)
