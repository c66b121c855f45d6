"""The environment of the Python processes that the benchmarks start (the
chain's steps, the speed benchmark's peak-memory child): they must import the
``hexa_mm`` that this process imported, wherever it is installed."""
import os
import os.path as osp
from typing import Mapping, Optional

import hexa_mm

#: The folder that holds the imported ``hexa_mm`` package: a checkout's root
#: for an editable install, ``site-packages`` for a regular one.
PACKAGE_PARENT = osp.dirname(osp.dirname(osp.abspath(hexa_mm.__file__)))


def child_env(env: Optional[Mapping[str, str]] = None) -> dict:
    """A copy of ``env`` (default: ``os.environ``) with
    :data:`PACKAGE_PARENT` first on ``PYTHONPATH``.

    A child started from another working directory, or by a tool whose own
    folder comes first on ``sys.path``, could otherwise import another
    installed ``hexa_mm`` (or none).
    """
    env = dict(os.environ if env is None else env)
    env['PYTHONPATH'] = os.pathsep.join(
        [PACKAGE_PARENT] + ([env['PYTHONPATH']] if env.get('PYTHONPATH')
                            else []))
    return env
