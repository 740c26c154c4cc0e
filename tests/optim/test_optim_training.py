"""End-to-end: nn modules + optim + data + checkpoints together."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.data import DataLoader, TensorDataset, datasets, random_split
from minigrad.nn import functional as F
from minigrad.utils import metrics


def _mlp(seed):
    mg.manual_seed(seed)
    return nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))


@pytest.mark.slow
def test_mlp_on_digits_with_adam_reaches_97_percent():
    pytest.importorskip("sklearn")
    x, y = datasets.load_digits()
    x = x / 16.0
    gen = mg.Generator().manual_seed(0)
    train, test = random_split(TensorDataset(x, y), [0.8, 0.2], generator=gen)
    model = _mlp(0)
    opt = optim.Adam(model.parameters(), lr=3e-3)
    loader = DataLoader(train, batch_size=32, shuffle=True, generator=gen)
    for _ in range(15):
        for xb, yb in loader:
            opt.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            opt.step()
    model.eval()
    (xt, yt), = list(DataLoader(test, batch_size=len(test)))
    with mg.no_grad():
        acc = metrics.accuracy(yt, model(xt))
    assert acc >= 0.97, acc


def test_resume_from_saved_module_and_optimizer_is_bit_for_bit(tmp_path):
    gen = mg.Generator().manual_seed(1)
    x, y = mg.randn(96, 64, generator=gen), mg.randint(0, 10, (96,), generator=gen)

    def run(model, opt, sched, epochs, loader_gen):
        loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True, generator=loader_gen)
        for _ in range(epochs):
            for xb, yb in loader:
                opt.zero_grad()
                F.cross_entropy(model(xb), yb).backward()
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
            sched.step()

    def fresh():
        model = _mlp(3)
        opt = optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.1)
        return model, opt, optim.lr_scheduler.CosineAnnealingLR(opt, T_max=6)

    model, opt, sched = fresh()
    run(model, opt, sched, 6, mg.Generator().manual_seed(2))
    want = {k: v.data.copy() for k, v in model.state_dict().items()}

    model, opt, sched = fresh()
    loader_gen = mg.Generator().manual_seed(2)
    run(model, opt, sched, 2, loader_gen)
    mg.save({"model": model.state_dict(), "optim": opt.state_dict(), "sched": sched.state_dict(),
             "loader_rng": loader_gen.get_state(), "epoch": 2}, tmp_path / "ckpt.npz")
    ckpt = mg.load(tmp_path / "ckpt.npz")
    model, opt, sched = fresh()
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optim"])
    sched.load_state_dict(ckpt["sched"])
    loader_gen = mg.Generator()
    loader_gen.set_state(ckpt["loader_rng"])
    run(model, opt, sched, 6 - ckpt["epoch"], loader_gen)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.data, want[k], err_msg=k)
