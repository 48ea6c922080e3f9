"""torchrun across two "nodes" on this machine (two process trees, as on two machines): one run directory written
by global rank 0, the weights of the local two-process launcher, one save when either tree is stopped, and a
resume in another number of processes. The README's "Several machines" commands, with 127.0.0.1 for HOST."""

import re
import signal
import sys
from pathlib import Path

import pytest

from atarigan.cli import main
from atarigan.model.checkpoint import list_checkpoints
from atarigan.training.distributed import free_port

TORCHRUN = str(Path(sys.executable).parent / "torchrun")


@pytest.fixture
def two_nodes(cli, tiny, small_nets):
    """Start node-rank 0 and 1 of one torchrun job of ``scripts/train_ignite.py`` with ``args``."""

    def start(*args: str):
        port = str(free_port())
        nodes = [cli("--nnodes", "2", "--node-rank", str(rank), "--nproc-per-node", "1", "--master-addr", "127.0.0.1",
                     "--master-port", port, "scripts/train_ignite.py", *tiny, *small_nets, "--backend", "gloo",
                     "--threads", "1", *args, program=[TORCHRUN])
                 for rank in (0, 1)]
        return nodes

    return start


def test_two_nodes_train_as_the_local_launcher_and_only_rank_0_writes(two_nodes, tmp_path, tiny, small_nets,
                                                                      assert_same_weights):
    run = tmp_path / "nodes"
    common = ["--seed", "7", "--iterations", "4", "--checkpoint-every", "2"]
    nodes = two_nodes(*common, "--logdir", str(run))
    assert [node.finish() for node in nodes] == [0, 0], nodes[0].output + nodes[1].output
    assert "done at iteration 4: saved" in nodes[0].output
    assert "done at iteration" not in nodes[1].output and "view with" not in nodes[1].output  # rank 0 speaks
    assert [p.name for p in list_checkpoints(run)] == ["checkpoint_2.pt", "checkpoint_4.pt"]
    assert len(list(run.glob("events.out.tfevents.*"))) == 1
    # The same two ranks started by atarigan itself on one machine: the same seeds per rank, the same weights.
    assert main(["train", *tiny, *small_nets, *common, "--trainer", "ignite", "--nproc-per-node", "2",
                 "--backend", "gloo", "--threads", "1", "--logdir", str(tmp_path / "local")]) == 0
    assert_same_weights(run, tmp_path / "local")
    # Resumed in one process.
    assert main(["train", "--resume", str(run), "--iterations", "6", "--threads", "1"]) == 0
    assert [p.name for p in list_checkpoints(run)] == ["checkpoint_4.pt", "checkpoint_6.pt"]


@pytest.mark.parametrize("signum, stopped", [(signal.SIGINT, 1), (signal.SIGTERM, 0)])
def test_a_signal_to_either_node_stops_both_with_one_save(two_nodes, tmp_path, signum, stopped):
    run = tmp_path / "nodes"
    nodes = two_nodes("--iterations", "5000", "--checkpoint-every", "5000", "--report-every", "5",
                      "--logdir", str(run))

    def iteration() -> int:
        done = re.findall(r"train:\s+\d+%\|[^|]*\|\s*(\d+)/5000", nodes[0].output)
        return int(done[-1]) if done else 0

    nodes[0].wait_for(lambda: iteration() >= 20, "20 iterations on rank 0")
    nodes[stopped].send(signum)  # the torchrun of that node, as a terminal's Ctrl-C or a scheduler's SIGTERM
    codes = [node.finish() for node in nodes]
    assert all(code != 0 for code in codes), codes  # torchrun reports a rank's 130 as its own failure
    line = re.search(r"interrupted \(.*\) at iteration (\d+): saved (\S+); resume with: (.*)", nodes[0].output)
    assert line, nodes[0].output
    assert [p.name for p in list_checkpoints(run)] == [f"checkpoint_{line[1]}.pt"]  # one save, by rank 0
    assert "interrupted (" not in nodes[1].output  # rank 1 saves nothing and says nothing of its own
    assert not nodes[0].left_behind() and not nodes[1].left_behind()
    assert main(["train", "--resume", str(run), "--iterations", str(int(line[1]) + 2), "--threads", "1"]) == 0
