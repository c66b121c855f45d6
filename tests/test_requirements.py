"""What setup.py declares: ranges that match the import-time version check,
every third-party module hexa_mm imports and nothing else, and the tested pins
of requirements/constraints.txt inside those ranges."""
import ast
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from conftest import ROOT
from hexa_mm.compat import OPTIONAL, REQUIRED

#: Imported by hexa_mm but provided through a declared requirement, so that
#: hexa_mm does not pick the distribution: mmcv requires opencv-python or
#: keeps an opencv-python-headless it finds; yapf is MMEngine's (hexa_mm.compat
#: works around MMEngine's use of it).
PROVIDED_BY_THE_STACK = {'cv2': 'mmcv', 'yapf': 'mmengine'}
#: Optional modules that `make env` does not install (their tests skip
#: without them), with the distribution an extra must name.
NOT_INSTALLED = {'umap': 'umap-learn'}


@pytest.fixture(scope='module')
def declared(tmp_path_factory):
    """setup.py's metadata as pip sees it: {extra or '': [Requirement]}."""
    out = tmp_path_factory.mktemp('egg_info')
    subprocess.run([sys.executable, 'setup.py', '-q', 'egg_info',
                    '--egg-base', str(out)], cwd=ROOT, check=True,
                   capture_output=True)
    (requires, ) = out.glob('*.egg-info/requires.txt')
    sections, extra = {'': []}, ''
    for line in requires.read_text().splitlines():
        if line.startswith('['):
            extra = line.strip('[]')
            sections[extra] = []
        elif line.strip():
            sections[extra].append(Requirement(line))
    return sections


def by_name(requirements):
    return {canonicalize_name(r.name): r for r in requirements}


def test_install_requires_are_the_ranges_of_the_version_check(declared):
    runtime = by_name(declared[''])
    for dist, (spec, _) in REQUIRED.items():
        assert dist in runtime, f'setup.py does not require {dist}'
        assert runtime[dist].specifier == SpecifierSet(spec), dist
    det = by_name(declared['det'])
    for dist, (spec, _) in OPTIONAL.items():
        assert det[dist].specifier == SpecifierSet(spec), dist
    # Ranges, not one machine's versions: installable beside other packages.
    for extra, requirements in declared.items():
        for r in requirements:
            assert not any(s.operator in ('==', '===') for s in r.specifier), (
                extra, str(r))


def test_extras(declared):
    assert set(declared) >= {'', 'det', 'tensorboard', 'tests', 'umap'}
    assert 'mmdet' not in by_name(declared[''])  # detection is optional
    assert 'tensorboard' not in by_name(declared[''])
    # The test suite exercises every optional feature.
    assert set(by_name(declared['tests'])) >= {'pytest', 'mmdet', 'tensorboard'}


def third_party_imports():
    """Top-level names of the non-stdlib modules hexa_mm imports, anywhere
    in a file (inside functions too)."""
    names = set()
    for path in Path(ROOT, 'hexa_mm').rglob('*.py'):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(a.name.split('.')[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names.add(node.module.split('.')[0])
    return names - set(sys.stdlib_module_names) - {'hexa_mm'}


def test_every_import_is_declared_and_every_requirement_imported(declared):
    runtime = set(by_name(declared['']))
    optional = {name for extra, requirements in declared.items() if extra
                for name in by_name(requirements)}
    providers = metadata.packages_distributions()
    used = set()
    for module in sorted(third_party_imports()):
        if module in PROVIDED_BY_THE_STACK:
            assert PROVIDED_BY_THE_STACK[module] in runtime
            continue
        dists = {canonicalize_name(d) for d in providers.get(module, [])}
        if not dists and module in NOT_INSTALLED:
            dists = {NOT_INSTALLED[module]}
        assert dists, f'hexa_mm imports {module}, which no installed ' \
                      'distribution provides'
        assert dists & (runtime | optional), (
            f'hexa_mm imports {module} ({sorted(dists)}): not in setup.py')
        used |= dists
    assert runtime - used == set(), 'required by setup.py, never imported'


def constraints():
    pins = {}
    path = Path(ROOT, 'requirements', 'constraints.txt')
    for line in path.read_text().splitlines():
        line = line.split('#', 1)[0].strip()
        if line:
            r = Requirement(line)
            (spec, ) = r.specifier
            assert spec.operator == '==', f'{path}: not a pin: {line}'
            pins[canonicalize_name(r.name)] = spec.version
    return pins


def test_the_tested_pins_lie_inside_the_ranges(declared):
    pins = constraints()
    for extra, requirements in declared.items():
        for r in requirements:
            if canonicalize_name(r.name) in NOT_INSTALLED.values():
                continue
            name = canonicalize_name(r.name)
            assert name in pins, f'constraints.txt pins no {r.name} ({extra})'
            assert r.specifier.contains(pins[name], prereleases=True), (
                f'constraints.txt: {name}=={pins[name]} is outside {r} '
                f'({extra or "install_requires"})')
