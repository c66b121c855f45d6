"""hexa_mm.benchmarks.quality.result_files: a grid run in pieces, merged
into one table (``tools/benchmarks/quality.py --merge``)."""
import json
import re

import pytest
from tool_runs import load_tool

from hexa_mm.benchmarks.quality.result_files import write_results
from hexa_mm.utils.errors import UserError

quality_tool = load_tool('benchmarks/quality')


def _runs(seeds, knn, epochs=3):
    """A MoCo-v2 run and a HEXA-MoCo run ``knn[seed]`` points above it per
    seed."""
    return [
        dict(method=m, seed=s, epochs=epochs, minutes=1., curve=[[epochs, 80]],
             knn_top1=80 + s + d, linear_top1=90., checkpoint=None)
        for s in seeds for m, d in (('mocov2', 0), ('hexa_moco', knn[s]))
    ]


def _write(tmp_path, name, runs, dataset='digits'):
    write_results(runs, dataset, str(tmp_path / name))
    return str(tmp_path / f'{name}.json')


def test_merge_makes_one_table_of_pieces_and_a_rerun_replaces(tmp_path,
                                                               capsys):
    gains = {0: 1., 1: 2., 2: 3., 3: 2.}
    first = _write(tmp_path, 'seeds01', _runs((0, 1), {0: -5., 1: 2.}))
    # Seed 0 again (the rerun wins) and seeds 2 and 3.
    second = _write(tmp_path, 'seeds023', _runs((0, 2, 3), gains))
    runs = quality_tool.main(['--merge', first, second, '--out',
                              str(tmp_path), '--name', 'all'])
    out = capsys.readouterr().out
    assert f'hexa_moco, seed 0: the run in {second} replaces the one in ' \
        f'{first}' in out
    assert sorted((r['method'], r['seed']) for r in runs) == sorted(
        (m, s) for m in ('mocov2', 'hexa_moco') for s in range(4))
    saved = json.loads((tmp_path / 'all.json').read_text())
    assert saved['dataset'] == 'digits' and len(saved['runs']) == 8
    hexa = next(r for r in saved['summary'] if r['method'] == 'hexa_moco')
    assert hexa['seeds'] == 4 and hexa['knn_top1_diff'] == 2.0
    assert hexa['knn_top1_diff_p'] is not None
    assert (tmp_path / 'all.md').read_text() in out
    assert (tmp_path / 'all.png').stat().st_size > 0


def test_merge_refuses_what_would_mix_or_lose_results(tmp_path):
    digits = _write(tmp_path, 'digits', _runs((0,), {0: 1.}))
    shapes = _write(tmp_path, 'shapes', _runs((1,), {1: 1.}), 'shapes')
    longer = _write(tmp_path, 'longer', _runs((1,), {1: 1.}, epochs=5))
    other = ['--out', str(tmp_path), '--name', 'merged']
    with pytest.raises(UserError, match=re.escape(
            f"{shapes}: its runs are on 'shapes', not on 'digits'")):
        quality_tool.main(['--merge', digits, shapes, *other])
    with pytest.raises(UserError, match=r'mocov2: 3 epochs on seed 0 \(.*'
                       r'digits\.json\), 5 on seed 1 \(.*longer\.json\)'):
        quality_tool.main(['--merge', digits, longer, *other])
    before = (tmp_path / 'digits.json').read_text()
    with pytest.raises(UserError, match='digits.json: merged from'):
        quality_tool.main(['--merge', digits, longer, '--out',
                           str(tmp_path), '--name', 'digits'])
    assert (tmp_path / 'digits.json').read_text() == before
    (tmp_path / 'notes.json').write_text('{"runs": []}')
    for path, error in ((tmp_path / 'notes.json', 'not a result file'),
                        (tmp_path / 'missing.json', 'no such result file'),
                        (tmp_path / 'digits.md', 'not JSON')):
        with pytest.raises(UserError, match=re.escape(f'{path}: {error}')):
            quality_tool.main(['--merge', digits, str(path), *other])
    assert not (tmp_path / 'merged.json').exists()
    with pytest.raises(SystemExit):
        quality_tool.main(['--merge', digits, '--resume', *other])
