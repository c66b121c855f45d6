"""Several processes on one protocol: each run is claimed by one live
process, a claim dies with its process, and a run recorded by another
process after this one read the result file is not run again."""
import multiprocessing
import os
import signal
import time

from hexa_mm.benchmarks.quality import ledger, load_protocol, run_protocol
from hexa_mm.benchmarks.quality import runs as runs_module
from hexa_mm.benchmarks.quality.result_files import add_runs, run_claim
from protocol_files import write_protocol

RANDOM = ('random init', 'random init (PyTorch default)')


def fake_runs(monkeypatch, executed, seconds=0.):
    """Pre-training and the random backbones replaced by records written at
    once (after ``seconds``); each execution appends a line to
    ``executed``."""

    def record(method, dataset, seed):
        with open(executed, 'a') as f:
            f.write(f'{method} {dataset} {seed}\n')
        time.sleep(seconds)
        return dict(method=method, dataset=dataset, seed=seed, epochs=1,
                    minutes=0., knn_top1=50., linear_top1=60.)

    monkeypatch.setattr(
        runs_module, 'pretrain',
        lambda method, dataset, seed, *args: record(method.name, dataset,
                                                    seed))
    monkeypatch.setattr(
        runs_module, 'random_backbones',
        lambda protocol, dataset, seed, *args: [
            record(name, dataset, seed) for name in RANDOM])


def executions(path):
    with open(path) as f:
        return sorted(f.read().splitlines())


def test_a_run_is_claimed_by_one_holder_at_a_time(tmp_path):
    protocol = load_protocol(write_protocol(tmp_path))
    out = str(tmp_path / 'results')
    with run_claim(protocol, out, 'mocov2', 'digits', 0) as first:
        with run_claim(protocol, out, 'mocov2', 'digits', 0) as second:
            assert (first, second) == (True, False)
        with run_claim(protocol, out, 'mocov2', 'digits', 1) as other:
            assert other
    with run_claim(protocol, out, 'mocov2', 'digits', 0) as again:
        assert again


def _hold_claim(protocol_path, out, ready):
    with run_claim(load_protocol(protocol_path), out, 'mocov2', 'digits',
                   0):
        ready.set()
        time.sleep(60)


def test_a_killed_process_leaves_no_claim(tmp_path):
    path = write_protocol(tmp_path)
    out = str(tmp_path / 'results')
    context = multiprocessing.get_context('fork')
    ready = context.Event()
    holder = context.Process(target=_hold_claim, args=(path, out, ready))
    holder.start()
    assert ready.wait(30)
    with run_claim(load_protocol(path), out, 'mocov2', 'digits', 0) as mine:
        assert not mine
    os.kill(holder.pid, signal.SIGKILL)
    holder.join()
    with run_claim(load_protocol(path), out, 'mocov2', 'digits', 0) as mine:
        assert mine


def test_runs_held_or_recorded_elsewhere_are_not_run_again(
        tmp_path, monkeypatch):
    protocol = load_protocol(write_protocol(tmp_path, seeds=(0, 1)))
    out = str(tmp_path / 'results')
    executed = str(tmp_path / 'executed')
    fake_runs(monkeypatch, executed)
    real_pretrain = runs_module.pretrain

    def pretrain_then_another_process_records(method, dataset, seed, *args):
        if (method.name, seed) == ('mocov2', 1):
            add_runs(protocol, out, [dict(
                method='hexa_moco', dataset='digits', seed=1, epochs=1,
                minutes=0., knn_top1=1., linear_top1=1.)])
        return real_pretrain(method, dataset, seed, *args)

    monkeypatch.setattr(runs_module, 'pretrain',
                        pretrain_then_another_process_records)
    # Another live process runs hexa_moco at seed 0 ...
    with run_claim(protocol, out, 'hexa_moco', 'digits', 0):
        run_protocol(protocol, out, str(tmp_path / 'work'))
    # ... and records hexa_moco at seed 1 while this one runs mocov2.
    assert executions(executed) == sorted(
        [f'{name} digits {seed}' for name in RANDOM for seed in (0, 1)] +
        ['mocov2 digits 0', 'mocov2 digits 1'])
    recorded = {(r['method'], r['seed']): r for r in ledger(protocol, out)}
    assert ('hexa_moco', 0) not in recorded
    assert recorded[('hexa_moco', 1)]['knn_top1'] == 1.


def _run(protocol_path, out, work_dir):
    run_protocol(load_protocol(protocol_path), out, work_dir)


def test_two_processes_share_a_protocol_out(tmp_path, monkeypatch):
    """Two workers started on the whole protocol: every run is made once,
    and the result file holds them all."""
    path = write_protocol(tmp_path, seeds=(0, 1, 2))
    out = str(tmp_path / 'results')
    executed = str(tmp_path / 'executed')
    fake_runs(monkeypatch, executed, seconds=0.2)
    context = multiprocessing.get_context('fork')
    workers = [context.Process(target=_run,
                               args=(path, out, str(tmp_path / 'work')))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    expected = sorted(f'{name} digits {seed}' for seed in (0, 1, 2)
                      for name in (*RANDOM, 'mocov2', 'hexa_moco'))
    assert executions(executed) == expected
    assert sorted(f"{r['method']} digits {r['seed']}"
                  for r in ledger(load_protocol(path), out)) == expected


def test_status_shows_the_runs_held_by_live_processes(tmp_path, capsys):
    """A held claim says which process runs it; neither a released claim
    nor one whose process was killed shows as running."""
    from hexa_mm.benchmarks.quality import main
    from hexa_mm.benchmarks.quality.result_files import running_runs
    path = write_protocol(tmp_path)
    protocol = load_protocol(path)
    out = str(tmp_path / 'results')
    add_runs(protocol, out, [dict(method='mocov2', dataset='digits', seed=0,
                                  epochs=1, minutes=0., knn_top1=1.,
                                  linear_top1=1.)])
    with run_claim(protocol, out, 'hexa_moco', 'digits', 1):
        held, = running_runs(protocol, out)
        assert (held['method'], held['seed'], held['pid']) == (
            'hexa_moco', 1, os.getpid())
        main(['status', os.path.join(out, 'report.json')])
    printed = capsys.readouterr().out
    assert f'missing: hexa_moco on digits, seed 1 (running: pid ' \
        f'{os.getpid()} on ' in printed
    assert 'missing: hexa_moco on digits, seed 0\n' in printed
    assert running_runs(protocol, out) == []
    context = multiprocessing.get_context('fork')
    ready = context.Event()
    holder = context.Process(target=_hold_claim, args=(path, out, ready))
    holder.start()
    assert ready.wait(30)
    assert [c['pid'] for c in running_runs(protocol, out)] == [holder.pid]
    os.kill(holder.pid, signal.SIGKILL)
    holder.join()
    assert running_runs(protocol, out) == []
