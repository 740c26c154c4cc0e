"""Text to indices and back: a small word tokenizer and a vocabulary, with torchtext's names.

    tokens = basic_english("The with statement")          # ['the', 'with', 'statement']
    vocab = build_vocab_from_iterator([tokens], specials=["<pad>", "<unk>"])
    vocab.set_default_index(vocab["<unk>"])              # unknown tokens -> <unk>
    vocab(["with", "zebra"])                             # [index of 'with', index of '<unk>']
    vocab.lookup_tokens([2, 3])                          # back to strings

Indices are given in order: the specials first (or last, ``special_first=False``), then the
tokens by falling frequency, ties in alphabetical order, so the same text always gives the
same vocabulary.
"""
from __future__ import annotations

import re
from collections import Counter

_WORD = re.compile(r"[a-z_][a-z0-9_]*|[0-9]+")
_WORD_OR_PUNCT = re.compile(r"[a-z_][a-z0-9_]*|[0-9]+|[^\sa-z0-9_]")


def basic_english(text: str, punctuation: bool = False) -> list:
    """Lower-case ``text`` and split it into words: runs of letters, digits and underscores that
    start with a letter or underscore (so ``__init__`` and ``utf8`` stay whole), and runs of
    digits. With ``punctuation=True`` every other non-space character is a token of its own."""
    if not isinstance(text, str):
        raise TypeError(f"basic_english: expected a str, got {type(text).__name__}")
    return (_WORD_OR_PUNCT if punctuation else _WORD).findall(text.lower())


class Vocab:
    """A bijection between tokens (strings) and indices 0 .. len-1.

    ``vocab[token]`` and ``vocab(tokens)`` map to indices; an unknown token is a KeyError naming
    it, unless ``set_default_index`` gave an index for unknown tokens.
    """

    def __init__(self, itos):
        itos = list(itos)
        stoi = {}
        for i, token in enumerate(itos):
            if not isinstance(token, str):
                raise TypeError(f"Vocab: tokens must be str, got {type(token).__name__} at index {i}")
            if token in stoi:
                raise ValueError(f"Vocab: token {token!r} appears twice (indices {stoi[token]} and {i})")
            stoi[token] = i
        self._itos, self._stoi, self._default = itos, stoi, None

    def __len__(self):
        return len(self._itos)

    def __contains__(self, token):
        return token in self._stoi

    def __getitem__(self, token):
        index = self._stoi.get(token, self._default)
        if index is None:
            raise KeyError(f"Vocab: token {token!r} is not in the vocabulary of {len(self)} tokens "
                           "and no default index is set (set_default_index)")
        return index

    def __call__(self, tokens):
        return self.lookup_indices(tokens)

    def lookup_indices(self, tokens):
        """The index of each token, in order."""
        return [self[t] for t in tokens]

    def lookup_token(self, index):
        if not 0 <= index < len(self._itos):
            raise IndexError(f"Vocab: index {index} out of range for {len(self)} tokens")
        return self._itos[index]

    def lookup_tokens(self, indices):
        """The token of each index, in order."""
        return [self.lookup_token(int(i)) for i in indices]

    def set_default_index(self, index):
        """The index returned for tokens not in the vocabulary (None: raise KeyError)."""
        if index is not None and not 0 <= index < len(self._itos):
            raise IndexError(f"Vocab.set_default_index: index {index} out of range for {len(self)} tokens")
        self._default = index

    def get_default_index(self):
        return self._default

    def get_itos(self):
        """The list of tokens, index -> token (a copy)."""
        return list(self._itos)

    def get_stoi(self):
        """The dict token -> index (a copy)."""
        return dict(self._stoi)

    def __repr__(self):
        head = ", ".join(repr(t) for t in self._itos[:5])
        return f"Vocab({len(self)} tokens: {head}{', ...' if len(self) > 5 else ''})"


def build_vocab_from_iterator(iterator, min_freq=1, specials=None, special_first=True, max_tokens=None):
    """A Vocab of the tokens in ``iterator`` (an iterable of token lists) seen at least
    ``min_freq`` times, most frequent first (ties alphabetically), with ``specials`` placed first
    or last; ``max_tokens`` caps the size, specials included."""
    if min_freq < 1:
        raise ValueError(f"build_vocab_from_iterator: min_freq must be >= 1, got {min_freq}")
    specials = list(specials or [])
    if max_tokens is not None and max_tokens < len(specials):
        raise ValueError(f"build_vocab_from_iterator: max_tokens {max_tokens} < the {len(specials)} specials")
    counts = Counter()
    for tokens in iterator:
        if isinstance(tokens, str):
            raise TypeError("build_vocab_from_iterator: expected an iterable of token lists, got a str "
                            "(tokenize it first)")
        counts.update(tokens)
    for s in specials:
        counts.pop(s, None)
    ordered = [t for t, c in sorted(counts.items(), key=lambda tc: (-tc[1], tc[0])) if c >= min_freq]
    if max_tokens is not None:
        ordered = ordered[:max_tokens - len(specials)]
    return Vocab(specials + ordered if special_first else ordered + specials)
