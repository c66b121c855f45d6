"""The tools are short command lines over the installed package: none puts
the repository on ``sys.path`` itself, and each runs from the repository root
as a user types it."""
import glob
import json
import os.path as osp
import subprocess
import sys

from tool_runs import ROOT

TOOLS = sorted(
    osp.relpath(p, ROOT)
    for p in glob.glob(osp.join(ROOT, 'tools', '**', '*.py'), recursive=True))
BENCHMARK_TOOLS = [
    'tools/benchmarks/chain.py', 'tools/benchmarks/gpu_check.py',
    'tools/benchmarks/knn.py', 'tools/benchmarks/kshot.py',
    'tools/benchmarks/pipeline.py',
    'tools/benchmarks/quality.py', 'tools/benchmarks/speed.py',
    'tools/demo.py'
]


def test_no_tool_edits_sys_path():
    assert set(BENCHMARK_TOOLS) <= set(TOOLS)
    for tool in TOOLS:
        with open(osp.join(ROOT, tool)) as f:
            source = f.read()
        assert 'sys.path' not in source, tool


#: Runs each tool as ``python TOOL --help`` does (``__main__``, the tool's
#: folder first on ``sys.path``, the repository root as working directory),
#: one after the other in one interpreter: the stack is imported once.
RUN_EACH_AS_A_SCRIPT = """
import contextlib, io, json, os, runpy, sys
results = {}
for tool in sys.argv[1:]:
    sys.argv = [tool, '--help']
    sys.path[0] = os.path.dirname(os.path.abspath(tool))
    out, code = io.StringIO(), None
    with contextlib.redirect_stdout(out):
        try:
            runpy.run_path(tool, run_name='__main__')
        except SystemExit as exit:
            code = exit.code
    results[tool] = [code, out.getvalue()]
print(json.dumps(results))
"""


def test_benchmark_tools_run_from_the_repository_root():
    proc = subprocess.run(
        [sys.executable, '-c', RUN_EACH_AS_A_SCRIPT, *BENCHMARK_TOOLS],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.splitlines()[-1])
    assert list(results) == BENCHMARK_TOOLS
    for tool, (code, out) in results.items():
        assert code == 0, (tool, out[-2000:])
        assert out.startswith('usage: '), (tool, out[:500])
