"""Result files: the ledger of a protocol's runs, locked to the protocol it
ran, added to by several processes; the documents' tables rendered from
them."""
import glob
import json
import os.path as osp
import subprocess

import pytest

from hexa_mm.benchmarks.quality import (ProtocolError, ledger, load_protocol,
                                        protocol_of, read_results,
                                        render_documents, result_path)
from hexa_mm.benchmarks.quality.result_files import add_runs, commit
from hexa_mm.utils.errors import UserError
from protocol_files import write_protocol
from tool_runs import ROOT


def run(method, seed, knn=80., linear=90.):
    return dict(method=method, dataset='digits', seed=seed, epochs=1,
                minutes=1., knn_top1=knn, linear_top1=linear)


def test_runs_added_by_two_writers_are_all_kept(tmp_path):
    protocol = load_protocol(write_protocol(tmp_path))
    out = str(tmp_path / 'results')
    add_runs(protocol, out, [run('mocov2', 0)])
    # A second process's view of the file, made before the first one's run.
    add_runs(protocol, out, [run('mocov2', 1)])
    add_runs(protocol, out, [run('mocov2', 1, knn=85.)])  # a rerun replaces
    runs = ledger(protocol, out)
    assert sorted((r['seed'], r['knn_top1']) for r in runs) == [
        (0, 80.), (1, 85.)]
    saved = read_results(result_path(protocol, out))
    assert saved['protocol'] == osp.join('..', 'report.py')
    assert protocol_of(result_path(protocol, out)).sha256 == protocol.sha256


def test_a_protocol_changed_after_its_runs_began_is_refused(tmp_path):
    path = write_protocol(tmp_path)
    out = str(tmp_path / 'results')
    add_runs(load_protocol(path), out, [run('mocov2', 0)])
    with open(path, 'a') as f:
        f.write('alpha = 0.1\n')
    with pytest.raises(ProtocolError, match='changed after the runs'):
        ledger(load_protocol(path), out)
    with pytest.raises(ProtocolError, match='changed after the runs'):
        protocol_of(result_path(load_protocol(path), out))


def test_not_a_result_file_is_named(tmp_path):
    path = tmp_path / 'x.json'
    path.write_text(json.dumps(dict(runs=[])))
    with pytest.raises(UserError, match='x.json: not a result file'):
        read_results(str(path))
    with pytest.raises(UserError, match='no such result file'):
        read_results(str(tmp_path / 'none.json'))


def test_a_rendered_block_follows_its_result_file(tmp_path):
    protocol = load_protocol(write_protocol(tmp_path, seeds=(0, 1)))
    out = str(tmp_path / 'results')
    scores = {'random init': (20., 20.),
              'random init (PyTorch default)': (30., 30.),
              'mocov2': (80., 82.), 'hexa_moco': (83., 84.)}
    add_runs(protocol, out, [run(method, seed, knn[seed])
                             for method, knn in scores.items()
                             for seed in (0, 1)])
    doc = tmp_path / 'doc.md'
    doc.write_text('# Results\n\n<!-- quality: results/report.json scores '
                   '-->\nhand-copied\n<!-- /quality -->\n\nEnd.\n')
    assert render_documents([str(doc)], check=True) == [
        f'{doc}: results/report.json scores']
    assert 'hand-copied' in doc.read_text()  # --check writes nothing
    render_documents([str(doc)])
    text = doc.read_text()
    assert '| digits | hexa_moco | 2 | 83.5 +- 0.5 | 90.0 +- 0.0 |' in text
    assert text.endswith('<!-- /quality -->\n\nEnd.\n')
    assert render_documents([str(doc)], check=True) == []
    add_runs(protocol, out, [run('hexa_moco', 1, 86.)])
    assert render_documents([str(doc)], check=True)


def test_readme_and_docs_tables_are_their_result_files_rendered():
    """Every result table of README.md and docs/ is rendered from a
    committed result file: none differs from its rendering, and README's
    results table is one of them."""
    documents = [osp.join(ROOT, 'README.md')] + sorted(
        glob.glob(osp.join(ROOT, 'docs', '**', '*.md'), recursive=True))
    assert render_documents(documents, check=True) == []
    with open(osp.join(ROOT, 'README.md')) as f:
        assert '<!-- quality: results/' in f.read()


def test_an_incomplete_protocol_renders_where_it_stands(tmp_path):
    protocol = load_protocol(write_protocol(
        tmp_path, seeds=(0, 1), extra="held_out = ['digits']\n"))
    out = str(tmp_path / 'results')
    add_runs(protocol, out, [run('mocov2', 0), run('hexa_moco', 0)])
    doc = tmp_path / 'doc.md'
    doc.write_text('<!-- quality: results/report.json comparisons -->\n'
                   '<!-- /quality -->\n')
    render_documents([str(doc)])
    text = doc.read_text()
    assert '2 runs, 6 still to run: not a result yet' in text
    assert '| set |' not in text  # no table of a partial protocol
    doc.write_text('<!-- quality: results/report.json decision -->\n'
                   '<!-- /quality -->\n')
    render_documents([str(doc)])
    assert doc.read_text().splitlines()[1] == (
        'No recommendation yet: 6 of the 8 runs of `results/report.json` '
        'are still to run.')
    # A report that holds no set out recommends nothing, complete or not.
    (tmp_path / 'plain').mkdir()
    plain = load_protocol(write_protocol(tmp_path / 'plain', seeds=(0, 1)))
    add_runs(plain, str(tmp_path / 'plain' / 'results'), [run('mocov2', 0)])
    (tmp_path / 'plain' / 'doc.md').write_text(doc.read_text())
    with pytest.raises(ProtocolError, match='has neither'):
        render_documents([str(tmp_path / 'plain' / 'doc.md')])


def test_every_run_is_rendered_under_its_seed(tmp_path):
    protocol = load_protocol(write_protocol(tmp_path, seeds=(0, 1)))
    out = str(tmp_path / 'results')
    add_runs(protocol, out, [
        run(method, seed, knn=10. * i + seed, linear=50. + i + seed)
        for i, method in enumerate(
            ['random init', 'random init (PyTorch default)', 'mocov2',
             'hexa_moco']) for seed in (0, 1)
    ])
    doc = tmp_path / 'doc.md'
    doc.write_text('<!-- quality: results/report.json seeds -->\n'
                   '<!-- /quality -->\n')
    render_documents([str(doc)])
    text = doc.read_text()
    assert '| set | method | 0 | 1 |' in text
    assert '| digits | mocov2 | 20.0 / 52.0 | 21.0 / 53.0 |' in text
    assert '| digits | hexa_moco | 30.0 / 53.0 | 31.0 / 54.0 |' in text


def test_the_commit_is_dirty_for_any_change_but_the_result_files(tmp_path):
    def git(*args):
        subprocess.run(['git', '-c', 'user.name=t', '-c', 'user.email=t@t',
                        *args], cwd=tmp_path, check=True, capture_output=True)

    (tmp_path / 'results').mkdir()
    result = tmp_path / 'results' / 'report.json'
    result.write_text('{}')
    followed = tmp_path / 'results' / 'selection.json'
    followed.write_text('{}')
    (tmp_path / 'code.py').write_text('x = 1\n')
    git('init', '-q')
    git('add', '.')
    git('commit', '-qm', 'first')
    ledgers = [str(result), str(followed)]
    clean = commit(str(tmp_path), ledgers)
    assert len(clean) == 40 and '+' not in clean
    result.write_text('{"runs": []}')  # the ledger being written
    followed.write_text('{"runs": []}')  # the selection a report follows
    assert commit(str(tmp_path), ledgers) == clean
    assert commit(str(tmp_path), ledgers[:1]) == clean + '+dirty'
    assert commit(str(tmp_path)) == clean + '+dirty'
    (tmp_path / 'code.py').write_text('x = 2\n')
    assert commit(str(tmp_path), ledgers) == clean + '+dirty'
    assert commit(str(tmp_path / 'results'), ledgers) == clean + '+dirty'
