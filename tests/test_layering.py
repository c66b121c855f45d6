"""The layers of hexa_mm: ``compat`` at the ground floor imports nothing of
hexa_mm outside it, and ``utils`` imports no model (``hexa_mm.models``, nor
the whole package, whose ``__init__`` registers every model)."""
import ast
import os.path as osp
import subprocess
import sys
from pathlib import Path
from typing import Iterator

from conftest import ROOT

PACKAGE = Path(ROOT) / 'hexa_mm'


def imported_modules(path: Path) -> Iterator[str]:
    """Absolute names of the hexa_mm modules a file imports, anywhere in it
    (inside functions too), relative imports resolved."""
    parts = list(path.relative_to(ROOT).with_suffix('').parts)
    package = parts if parts[-1] == '__init__' else parts[:-1]
    package = [p for p in package if p != '__init__']
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = '.'.join(package[:len(package) - node.level + 1])
                base = f'{base}.{node.module}' if node.module else base
            else:
                base = node.module
            if node.module:
                yield base
            else:  # from .. import name: name may be a module
                yield from (f'{base}.{alias.name}' for alias in node.names)


def offending_imports(folder: str, allowed) -> list:
    return sorted(
        f'{path.relative_to(ROOT)}: {name}'
        for path in (PACKAGE / folder).rglob('*.py')
        for name in imported_modules(path)
        if (name == 'hexa_mm' or name.startswith('hexa_mm.'))
        and not allowed(name))


def test_compat_imports_nothing_of_hexa_mm_outside_it():
    assert offending_imports(
        'compat', lambda name: name.startswith('hexa_mm.compat')) == []


def test_utils_import_no_model():
    assert offending_imports(
        'utils', lambda name: name.startswith(
            ('hexa_mm.compat', 'hexa_mm.utils'))) == []


def test_importing_compat_and_every_utils_module_loads_no_model():
    """In a fresh process, with hexa_mm's ``__init__`` skipped (it imports
    every model on purpose), importing compat and every module of utils
    loads no other module of hexa_mm."""
    code = f'''
import importlib, pkgutil, sys, types
package = types.ModuleType('hexa_mm')
package.__path__ = [{str(PACKAGE)!r}]
sys.modules['hexa_mm'] = package
import hexa_mm.compat, hexa_mm.utils
for info in pkgutil.iter_modules(hexa_mm.utils.__path__):
    importlib.import_module('hexa_mm.utils.' + info.name)
print(sorted(name for name in sys.modules if name.startswith('hexa_mm.')
             and not name.startswith(('hexa_mm.compat', 'hexa_mm.utils'))))
'''
    result = subprocess.run([sys.executable, '-c', code],
                            capture_output=True, text=True, cwd=ROOT,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == '[]'
    assert osp.isdir(PACKAGE / 'compat')
