"""The Makefile's targets that touch the checkout."""
import shlex
import subprocess

from tool_runs import ROOT


def test_make_clean_removes_no_committed_file():
    """``make clean`` removes what the tools write again, never a committed
    file: the quality protocols' result files live in ``results/`` beside
    the demo's."""
    dry_run = subprocess.run(['make', '-n', 'clean'], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout
    removed = [path for line in dry_run.splitlines()
               if line.startswith('rm ') for path in shlex.split(line)[2:]]
    assert 'work_dirs' in removed
    tracked = subprocess.run(['git', 'ls-files', '--', *removed], cwd=ROOT,
                             check=True, capture_output=True,
                             text=True).stdout.split()
    assert tracked == []
