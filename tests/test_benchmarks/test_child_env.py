"""hexa_mm.benchmarks.child_env: a child process finds the hexa_mm that its
parent imported, without the site-packages that could hold another."""
import importlib.util
import os
import os.path as osp
import subprocess
import sys

import hexa_mm
from hexa_mm.benchmarks.child_env import PACKAGE_PARENT, child_env

#: Where a child process started without site-packages (``-S``: no editable
#: install's ``.pth`` either) finds ``hexa_mm``, without importing it.
FIND = ('import importlib.util; '
        "s = importlib.util.find_spec('hexa_mm'); "
        'print(s.origin if s else None)')


def test_the_package_parent_comes_first_on_pythonpath():
    assert osp.samefile(osp.join(PACKAGE_PARENT, 'hexa_mm', '__init__.py'),
                        hexa_mm.__file__)
    env = child_env({'PYTHONPATH': 'elsewhere', 'KEPT': '1'})
    assert env == {'PYTHONPATH': PACKAGE_PARENT + os.pathsep + 'elsewhere',
                   'KEPT': '1'}
    assert child_env({})['PYTHONPATH'] == PACKAGE_PARENT
    # By default, a copy of this process's environment.
    assert child_env()['PATH'] == os.environ['PATH']
    assert child_env()['PYTHONPATH'].startswith(PACKAGE_PARENT + os.pathsep) \
        or child_env()['PYTHONPATH'] == PACKAGE_PARENT


def test_a_child_elsewhere_imports_the_parents_hexa_mm(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}

    def found(environment):
        return subprocess.run(
            [sys.executable, '-S', '-c', FIND], cwd=tmp_path, env=environment,
            capture_output=True, text=True, check=True).stdout.strip()

    assert found(env) == 'None'
    assert osp.samefile(found(child_env(env)),
                        importlib.util.find_spec('hexa_mm').origin)
