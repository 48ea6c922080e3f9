"""The speed-ups change speed, not results: channels_last, torch.compile and CUDA graphs."""

import pytest
import torch

from atarigan.cli import main
from atarigan.config.run_config import RunConfig
from atarigan.model.gan import Gan
from atarigan.model.gan_step import StepResult

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def run_steps(values: dict, device: str, batches: list[torch.Tensor]) -> tuple[list, dict]:
    gan = Gan(RunConfig.from_values(values), torch.device(device))
    results = [StepResult.from_tensor(gan.step(b.to(device))) for b in batches]
    # Parameters only: BatchNorm's running stats follow activations, which may drift further.
    params = {f"{name}.{key}": value.detach().clone()
              for name, net in (("G", gan.generator), ("D", gan.discriminator))
              for key, value in net.named_parameters()}
    return results, params


def batches(n: int, size: int = 64) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return [torch.rand(8, 3, size, size, generator=g) * 2 - 1 for _ in range(n)]


def assert_same_training(a, b, atol: float) -> None:
    """Same first-step numbers; weights apart by at most rounding-level drift.

    A different kernel rounds differently; Adam's early steps move each weight by
    about lr whatever the gradient's size, so a near-zero gradient whose sign flips
    moves a weight 2 * lr the other way. That bounds honest drift per step.
    """
    assert list(a[0][0]) == pytest.approx(list(b[0][0]), abs=atol)
    assert list(a[0][-1]) == pytest.approx(list(b[0][-1]), abs=0.05)  # the last step's losses still agree
    drift = 2 * RunConfig.from_values({"recipe": "book"}).train.lr * len(a[0]) + atol
    for key, value in a[1].items():
        torch.testing.assert_close(b[1][key].float().cpu(), value.float().cpu(), atol=drift, rtol=0, msg=key)


def test_channels_last_trains_like_the_default_layout():
    base = {"batch_size": 8, "precision": "fp32", "recipe": "book", "channels_last": False}
    data = batches(3)
    assert_same_training(run_steps(base, "cpu", data), run_steps({**base, "channels_last": True}, "cpu", data),
                         atol=1e-4)


@pytest.mark.parametrize("values, expected", [
    ({"precision": "bf16"}, torch.channels_last), ({"precision": "fp32"}, torch.contiguous_format),
    ({"precision": "bf16", "channels_last": False}, torch.contiguous_format)])
def test_a_gan_made_from_a_config_lays_out_its_weights_as_the_unset_channels_last_resolves(values, expected):
    gan = Gan(RunConfig.from_values({"batch_size": 8, "recipe": "book", **values}), torch.device("cpu"))
    assert gan.memory_format == expected
    first_convolution = next(p for p in gan.discriminator.parameters() if p.dim() == 4)
    assert first_convolution.is_contiguous(memory_format=expected)


def test_compiled_networks_train_like_eager_ones_and_keep_their_state_dict_keys():
    small = {"batch_size": 8, "precision": "fp32", "image_size": 16, "generator_filters": 8,
             "discriminator_filters": 8, "recipe": "book"}
    data = batches(2, size=16)
    eager = run_steps(small, "cpu", data)
    compiled = run_steps({**small, "compile": True}, "cpu", data)
    assert list(compiled[1]) == list(eager[1])  # no "_orig_mod." prefixes: checkpoints stay interchangeable
    assert_same_training(eager, compiled, atol=1e-4)


def test_cuda_graphs_on_cpu_is_one_clear_error(tmp_path, capsys):
    assert main(["train", "--recipe", "fast", "--device", "cpu", "--cuda-graphs", "--iterations", "2",
                 "--logdir", str(tmp_path / "r")]) == 2
    assert "error: --cuda-graphs needs a CUDA device; the run is on cpu" in capsys.readouterr().err
    with pytest.raises(ValueError, match="^cuda_graphs needs a CUDA device; the run is on cpu$"):
        Gan(RunConfig.from_values({"cuda_graphs": True, "recipe": "fast"}), torch.device("cpu"))
    assert not (tmp_path / "r").exists()


@cuda
def test_cuda_graph_step_trains_like_the_eager_step():
    data = batches(8)  # 3 eager warm-up steps, the capture, then replays
    eager = run_steps({"batch_size": 8, "precision": "fp32", "recipe": "book"}, "cuda", data)
    graphed = run_steps({"batch_size": 8, "precision": "fp32", "recipe": "book", "cuda_graphs": True}, "cuda", data)
    assert_same_training(eager, graphed, atol=1e-3)


@cuda
def test_fast_path_training_run_saves_and_resumes(tmp_path):
    fast = ["--recipe", "fast", "--games", "Breakout", "Pong", "--batch-size", "8", "--envs-per-game", "2",
            "--device", "cuda", "--channels-last", "--cuda-graphs", "--report-every", "5"]
    assert main(["train", *fast, "--iterations", "10", "--logdir", str(tmp_path / "run")]) == 0
    assert main(["train", "--resume", str(tmp_path / "run"), "--iterations", "20", "--cuda-graphs"]) == 0
    assert (tmp_path / "run" / "checkpoint_20.pt").exists()


@cuda
@pytest.mark.parametrize("cuda_graphs", [False, True])
def test_cuda_steps_never_wait_for_the_gpu(cuda_graphs):
    """The plain loop's step path, pinned frames to ReportWindow, queues work without a host sync."""
    from atarigan.data.normalize import frames_to_tanh_range
    from atarigan.training.report_window import ReportWindow

    gan = Gan(RunConfig.from_values({"batch_size": 8, "cuda_graphs": cuda_graphs, "precision": "bf16",
                                     "recipe": "fast"}),
              torch.device("cuda"))
    frames = torch.randint(0, 256, (8, 3, 64, 64), dtype=torch.uint8).pin_memory()
    for _ in range(5):  # cuDNN's search, CUDA graph warm-up and capture may wait
        gan.step(frames_to_tanh_range(frames, "cuda"))
    window = ReportWindow(start_iteration=5)
    torch.cuda.set_sync_debug_mode("error")
    try:
        for _ in range(3):
            window.add(gan.step(frames_to_tanh_range(frames, "cuda")))
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert window.report(batch_size=8)["loss_d"] > 0
