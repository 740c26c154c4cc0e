"""nn.utils.rnn.pad_sequence against PyTorch (values, gradients, both layouts and sides), and bad
input."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.autograd import gradcheck
from minigrad.nn.utils.rnn import pad_sequence


@given(lengths=st.lists(st.integers(0, 4), min_size=1, max_size=4), trailing=st.sampled_from([(), (2,), (1, 3)]),
       batch_first=st.booleans(), side=st.sampled_from(["right", "left"]), seed=st.integers(0, 99))
def test_pad_sequence_matches_pytorch(lengths, trailing, batch_first, side, seed):
    torch = pytest.importorskip("torch")
    from tests.torch_oracle import torch_check
    rng = np.random.default_rng(seed)
    seqs = [rng.standard_normal((n,) + trailing) for n in lengths]
    kw = dict(batch_first=batch_first, padding_value=-1.5, padding_side=side)
    torch_check(lambda *s: pad_sequence(list(s), **kw), lambda *s: torch.nn.utils.rnn.pad_sequence(list(s), **kw), seqs)
    tensors = [mg.tensor(s, requires_grad=True) for s in seqs]
    assert gradcheck(lambda *s: pad_sequence(list(s), **kw), tensors)


def test_pad_sequence_by_hand_and_errors():
    y = mg.nn.utils.rnn.pad_sequence([mg.tensor([1.0, 2.0]), mg.tensor([3.0])], batch_first=True)
    assert y.tolist() == [[1.0, 2.0], [3.0, 0.0]]
    with pytest.raises(RuntimeError, match="pad_sequence: every sequence must be .* got shapes \\[\\(2, 1\\), \\(2, 2\\)\\]"):
        pad_sequence([mg.ones(2, 1), mg.ones(2, 2)])
    with pytest.raises(ValueError, match="pad_sequence: padding_side must be 'left' or 'right', got 'up'"):
        pad_sequence([mg.ones(2)], padding_side="up")
