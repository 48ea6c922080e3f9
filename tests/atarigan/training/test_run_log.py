"""The run's TensorBoard log: no file before the first write, one config, a continuous history on resume."""

import torch

from atarigan.training.run_log import RunLog


def test_nothing_on_disk_before_the_first_write_and_the_config_once(tmp_path, small_config, events):
    log = RunLog(tmp_path / "run", 0, small_config)
    assert not (tmp_path / "run").exists()
    log.scalars(1, {"loss_d": 1.0})
    log.flush()
    assert len(list((tmp_path / "run").glob("events.out.tfevents.*"))) == 1
    log.images(1, torch.zeros(2, 3, 16, 16), torch.ones(2, 3, 16, 16), -torch.ones(2, 3, 16, 16))
    log.close()
    acc = events(tmp_path / "run")
    assert len(acc.Tensors("config/text_summary")) == 1
    assert set(acc.Tags()["images"]) == {"images/real", "images/fake", "images/fixed_noise"}


def test_a_resumed_log_drops_what_came_after_its_checkpoint(tmp_path, small_config, events):
    first = RunLog(tmp_path, 0, small_config)
    for step in range(1, 11):
        first.scalars(step, {"loss_g": float(step)})
    first.close()  # as if killed after iteration 10 with its last checkpoint at 6
    resumed = RunLog(tmp_path, 6, small_config)
    for step in range(7, 9):
        resumed.scalars(step, {"loss_g": 100.0 + step})
    resumed.close()
    values = [(e.step, e.value) for e in events(tmp_path).Scalars("loss/generator")]
    assert values == [(s, float(s)) for s in range(1, 7)] + [(7, 107.0), (8, 108.0)]
    assert len(events(tmp_path).Tensors("config/text_summary")) == 1
