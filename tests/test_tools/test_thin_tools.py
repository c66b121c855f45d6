"""The tools are short command lines over the installed package: none puts
the repository on ``sys.path`` itself, and each runs from the repository root
as a user types it."""
import glob
import os.path as osp
import subprocess
import sys

import pytest
from tool_runs import ROOT

TOOLS = sorted(
    osp.relpath(p, ROOT)
    for p in glob.glob(osp.join(ROOT, 'tools', '**', '*.py'), recursive=True))
BENCHMARK_TOOLS = [
    'tools/benchmarks/chain.py', 'tools/benchmarks/knn.py',
    'tools/benchmarks/kshot.py', 'tools/benchmarks/pipeline.py',
    'tools/benchmarks/quality.py', 'tools/benchmarks/speed.py',
    'tools/demo.py'
]


def test_no_tool_edits_sys_path():
    assert set(BENCHMARK_TOOLS) <= set(TOOLS)
    for tool in TOOLS:
        with open(osp.join(ROOT, tool)) as f:
            source = f.read()
        assert 'sys.path' not in source, tool


@pytest.mark.parametrize('tool', BENCHMARK_TOOLS)
def test_benchmark_tool_runs_from_the_repository_root(tool):
    proc = subprocess.run([sys.executable, tool, '--help'], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith('usage: '), proc.stdout[:500]
