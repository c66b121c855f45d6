"""The one way the benchmarks write their reports: whole or not at all
(:func:`hexa_mm.utils.atomic_write_bytes`), so that a run killed while
writing never leaves a truncated table, JSON file or plot."""
import io
import json
from typing import Any

from hexa_mm.utils.atomic_io import atomic_write_bytes


def write_text(path: str, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write_bytes(text.encode(), path)


def write_json(path: str, obj: Any, indent: int = 2,
               newline: bool = False) -> None:
    """Write ``obj`` as indented JSON to ``path`` atomically (``newline``:
    end the file with one)."""
    write_text(path, json.dumps(obj, indent=indent) + ('\n' if newline else ''))


def write_figure(path: str, figure, **savefig_kwargs) -> None:
    """Render a Matplotlib ``figure`` (format from ``path``'s suffix) and
    write it to ``path`` atomically."""
    buffer = io.BytesIO()
    fmt = path.rsplit('.', 1)[-1]
    figure.savefig(buffer, format=fmt, **savefig_kwargs)
    atomic_write_bytes(buffer.getvalue(), path)
