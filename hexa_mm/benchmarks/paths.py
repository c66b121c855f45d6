"""Where the repository's configs and tools are: the benchmarks run them by
path, so they need the checkout this package is installed from (editable)."""
import os
import os.path as osp

#: The repository root: the folder above the ``hexa_mm`` package.
REPO_ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CONFIGS = osp.join(REPO_ROOT, 'configs')
TOOLS = osp.join(REPO_ROOT, 'tools')


def subprocess_env(env: dict) -> dict:
    """A copy of ``env`` with the repository first on ``PYTHONPATH``, so that
    a tool run as a child process imports this checkout's ``hexa_mm``."""
    env = dict(env)
    env['PYTHONPATH'] = REPO_ROOT + (os.pathsep + env['PYTHONPATH']
                                     if env.get('PYTHONPATH') else '')
    return env
