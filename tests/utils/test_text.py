"""minigrad.utils.text: the word tokenizer and the vocabulary's order, lookups and errors."""
import pytest

from minigrad.utils import Vocab, basic_english, build_vocab_from_iterator


def test_basic_english_keeps_identifiers_whole_and_drops_or_keeps_punctuation():
    text = 'The "with" statement calls __enter__() on utf8 data, 42 times.'
    assert basic_english(text) == ["the", "with", "statement", "calls", "__enter__", "on", "utf8",
                                   "data", "42", "times"]
    assert basic_english("x.y(1)", punctuation=True) == ["x", ".", "y", "(", "1", ")"]
    with pytest.raises(TypeError, match="basic_english"):
        basic_english(["not", "a", "str"])


def test_vocab_orders_specials_then_frequency_then_alphabet():
    lines = [["b", "a", "c", "a"], ["c", "d", "a"]]
    vocab = build_vocab_from_iterator(lines, specials=["<pad>", "<unk>"])
    assert vocab.get_itos() == ["<pad>", "<unk>", "a", "c", "b", "d"]     # a x3, c x2, b = d x1
    assert build_vocab_from_iterator(lines, min_freq=2).get_itos() == ["a", "c"]
    assert build_vocab_from_iterator(lines, specials=["<unk>"], special_first=False,
                                     max_tokens=3).get_itos() == ["a", "c", "<unk>"]


def test_vocab_lookups_both_ways_and_the_default_index():
    vocab = Vocab(["<unk>", "with", "as"])
    assert len(vocab) == 3 and "as" in vocab and "zebra" not in vocab
    assert vocab(["as", "with"]) == [2, 1] and vocab.lookup_tokens([1, 2]) == ["with", "as"]
    assert vocab.get_stoi() == {"<unk>": 0, "with": 1, "as": 2}
    with pytest.raises(KeyError, match="'zebra'"):
        vocab["zebra"]
    vocab.set_default_index(vocab["<unk>"])
    assert vocab(["zebra", "as"]) == [0, 2] and vocab.get_default_index() == 0
    with pytest.raises(IndexError, match="index 3"):
        vocab.lookup_token(3)
    with pytest.raises(ValueError, match="'as' appears twice"):
        Vocab(["as", "as"])
    with pytest.raises(TypeError, match="token lists"):
        build_vocab_from_iterator("abc")
