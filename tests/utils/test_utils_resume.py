"""Training resumed from a saved model + optimizer (+ scheduler, + RNG) continues bit-for-bit."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import optim
from minigrad.optim import lr_scheduler


class TinyModel:
    """Two plain-tensor layers with a state_dict, enough to checkpoint a training run."""

    def __init__(self, gen):
        self.w1 = mg.randn(4, 8, generator=gen) * 0.5
        self.b1 = mg.zeros(8)
        self.w2 = mg.randn(8, 3, generator=gen) * 0.5
        for t in self.parameters():
            t.requires_grad_()

    def parameters(self):
        return [self.w1, self.b1, self.w2]

    def __call__(self, x):
        return ((x @ self.w1 + self.b1).relu() @ self.w2)

    def state_dict(self):
        return {"w1": self.w1.detach(), "b1": self.b1.detach(), "w2": self.w2.detach()}

    def load_state_dict(self, sd):
        with mg.no_grad():
            for name, t in sd.items():
                getattr(self, name).copy_(t)


def _batches(n):
    gen = mg.Generator().manual_seed(7)
    return [(mg.randn(16, 4, generator=gen), mg.randint(0, 3, (16,), generator=gen)) for _ in range(n)]


def _train(model, opt, sched, batches, gen):
    for x, y in batches:
        noise = mg.randn(*x.shape, generator=gen) * 0.01  # randomness drawn during training
        logits = model(x + noise)
        loss = (logits.logsumexp(1) - logits.gather(1, y.reshape(-1, 1)).reshape(-1)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()


@pytest.mark.parametrize("opt_name,kwargs", [("Adam", dict(lr=0.01, amsgrad=True)),
                                             ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
                                             ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5))])
def test_resumed_training_is_bit_for_bit_identical(tmp_path, opt_name, kwargs):
    batches = _batches(10)

    def fresh():
        model = TinyModel(mg.Generator().manual_seed(0))
        opt = getattr(optim, opt_name)(model.parameters(), **kwargs)
        return model, opt, lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)

    model, opt, sched = fresh()
    gen = mg.Generator().manual_seed(1)
    _train(model, opt, sched, batches, gen)
    want = [t.data.copy() for t in model.parameters()]

    model, opt, sched = fresh()
    gen = mg.Generator().manual_seed(1)
    _train(model, opt, sched, batches[:4], gen)
    mg.save({"model": model.state_dict(), "optim": opt.state_dict(), "sched": sched.state_dict(),
             "rng": gen.get_state(), "epoch": 4}, tmp_path / "ckpt.npz")
    del model, opt, sched, gen

    ckpt = mg.load(tmp_path / "ckpt.npz")
    model, opt, sched = fresh()
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optim"])
    sched.load_state_dict(ckpt["sched"])
    gen = mg.Generator()
    gen.set_state(ckpt["rng"])
    _train(model, opt, sched, batches[ckpt["epoch"]:], gen)
    got = [t.data for t in model.parameters()]
    for a, b in zip(got, want):
        assert a.dtype == np.float32
        np.testing.assert_array_equal(a, b)
    assert opt.param_groups[0]["lr"] == pytest.approx(kwargs["lr"] * 0.5 ** 3)
