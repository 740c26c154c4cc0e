"""Lesson: word embeddings pre-trained with word2vec, then a text-CNN on the frozen embeddings.

Run it: ``minigrad lesson text`` (all parts), or ``--part word2vec`` ... Parts, in reading order:

1. ``word2vec`` -- skip-gram with negative sampling on Python's own documentation
                   (``pydoc_data.topics``): the loss curve, nearest neighbours of probe words,
                   and a 2-D PCA map of the vectors;
2. ``textcnn``  -- the notes' recipe for classifying text: words to indices, a fixed length
                   chosen from the histogram of lengths, pad/truncate, an Embedding loaded with
                   the pre-trained vectors and frozen, three kernel sizes (3, 4, 5), max-over-time
                   pooling, softmax; train/val/test 7:1:2 with early stopping. The same network
                   on frozen *random* vectors measures what the pre-training bought (each
                   arm's accuracy the mean of four trainings).
"""
# %%
from __future__ import annotations

import sys

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.utils import basic_english, build_vocab_from_iterator, progress_bar
from minigrad.utils.lesson import lesson_main
from minigrad.utils.plotting import plot_curves

from lessons.common import evaluate, parameters_check, pyplot, pydoc_topics, save_figure, train_early_stopping

NAME = "text"
SUMMARY = ("word2vec (skip-gram, negative sampling) on the standard library's docs, then a "
           "text-CNN (kernels 3, 4, 5, max-over-time pooling) on the frozen embeddings")

# %% [markdown]
# ## The data
#
# The corpus is the text of Python's documentation topics that every Python install carries
# (`pydoc_data.topics`: 79 topics, ~465,000 characters). A few topics are copies of parts of
# others ("customization" and "attribute-access" are sections of "specialnames", "try" is part
# of "compound"); they are dropped, so no passage exists twice.
#
# The downstream task: a passage of 30 to 60 consecutive words -> which of the 8 largest topics
# it comes from (uniform guessing: 1/8). Each topic's words are cut into consecutive passages, and
# the passages of each topic are split 7:1:2 into train, validation and test. That split is fixed
# (it does not move with --seed). word2vec pre-trains on every topic with the test passages cut
# out, so the embeddings never read the text they are tested on.

# %%
N_TOPICS = 8
PASSAGE_WORDS = (30, 60)
SPLIT_SEED = 0
SPECIALS = ["<pad>", "<unk>"]
PAD, UNK = 0, 1


def distinct_topics(topics):
    """The topics that are not a copy of part of another: a topic whose long lines (> 40
    characters) all appear in another topic is dropped."""
    lines = {k: {ln for ln in t.split("\n") if len(ln) > 40} for k, t in topics.items()}
    kept = {}
    for k, text in topics.items():
        inside = any(o != k and lines[k] and lines[k] <= lines[o] for o in topics)
        if not inside:
            kept[k] = text
    return kept


def cut_passages(tokens, rng, lengths=PASSAGE_WORDS):
    """Cut a token list into consecutive passages with lengths uniform in ``lengths``
    (inclusive); a short remainder at the end is dropped."""
    passages, start = [], 0
    while True:
        n = int(rng.integers(lengths[0], lengths[1] + 1))
        if start + n > len(tokens):
            return passages
        passages.append(tokens[start:start + n])
        start += n


def make_task(split_seed=SPLIT_SEED):
    """The topic-classification task and the pre-training corpus.

    Returns a dict: ``classes`` (the 8 topic names, largest first), ``train``/``val``/``test``
    (lists of (tokens, label)) and ``corpus`` (a list of token lists for word2vec: every distinct
    topic, the test passages cut out).
    """
    topics = distinct_topics(pydoc_topics())
    tokens = {k: basic_english(t) for k, t in topics.items()}
    classes = sorted(tokens, key=lambda k: (-len(topics[k]), k))[:N_TOPICS]
    rng = np.random.default_rng(split_seed)
    split = {"train": [], "val": [], "test": []}
    corpus = [tokens[k] for k in sorted(tokens) if k not in classes]
    for label, k in enumerate(classes):
        passages = cut_passages(tokens[k], rng)
        order = rng.permutation(len(passages))
        n_train, n_val = round(0.7 * len(passages)), round(0.1 * len(passages))
        parts = {"train": order[:n_train], "val": order[n_train:n_train + n_val],
                 "test": order[n_train + n_val:]}
        for name, idx in parts.items():
            split[name] += [(passages[i], label) for i in sorted(idx)]
        corpus += [passages[i] for i in sorted(parts["train"]) + sorted(parts["val"])]
    return {"classes": classes, "corpus": corpus, **split}


# %% [markdown]
# ## The model, part 1: word2vec's skip-gram with negative sampling
#
# Every word w has two vectors: v_w when it is the centre word, u_w when it is a context word.
# For each centre word, the words up to `window` positions away are its contexts (the window is
# drawn between 1 and `window` for each centre, so near words count more). Instead of a softmax
# over the whole vocabulary, each (centre, context) pair is scored against k *negative* words
# drawn from the unigram distribution raised to the power 0.75 (rare words drawn more often than
# their count says):
#
# (the loss below). Very frequent words ("the", "a") carry little: each occurrence is kept with
# probability sqrt(t / f) + t / f (f its frequency, t = 1e-3), drawn again every epoch.

# %%
class SkipGram(nn.Module):
    """Two tables: ``in_embed`` (the centre vectors v, the embeddings we keep) and
    ``out_embed`` (the context vectors u). Scores are the dot products u . v."""

    def __init__(self, vocab_size, dim):
        super().__init__()
        self.in_embed = nn.Embedding(vocab_size, dim)
        self.out_embed = nn.Embedding(vocab_size, dim)
        with mg.no_grad():          # word2vec's own start: small random v, zero u
            nn.init.uniform_(self.in_embed.weight, -0.5 / dim, 0.5 / dim)
            nn.init.zeros_(self.out_embed.weight)

    def forward(self, centre, context, negatives):
        """centre, context (B,), negatives (B, k) -> scores of the true pairs (B,) and of the
        negative pairs (B, k)."""
        v = self.in_embed(centre)                                     # (B, D)
        positive = (self.out_embed(context) * v).sum(-1)              # (B,)
        negative = (self.out_embed(negatives) @ v.unsqueeze(-1)).squeeze(-1)   # (B, k)
        return positive, negative


# %% [markdown]
# ## The loss: negative sampling
#
#     loss = -log sigmoid(u_context . v_centre) - sum over the k negatives of log sigmoid(-u_neg . v_centre)
#
# i.e. a binary cross-entropy: true pairs are 1, the negatives 0. (The text-CNN of part 2 is
# trained with the cross-entropy over its topics.)

# %%
def negative_sampling_loss(positive, negative):
    """-log sigmoid(positive) - sum_k log sigmoid(-negative_k), averaged over the pairs."""
    pos = F.binary_cross_entropy_with_logits(positive, mg.ones_like(positive), reduction="sum")
    neg = F.binary_cross_entropy_with_logits(negative, mg.zeros_like(negative), reduction="sum")
    return (pos + neg) / positive.shape[0]


def keep_probability(counts, t=1e-3):
    """word2vec's subsampling: keep an occurrence of a word of frequency f with probability
    min(1, sqrt(t / f) + t / f)."""
    f = counts / counts.sum()
    return np.minimum(1.0, np.sqrt(t / f) + t / f)


def skipgram_pairs(segments, window, keep, rng):
    """All (centre, context) index pairs of one epoch: each segment (an int array) subsampled
    with the probabilities ``keep`` (per word index), then every centre paired with the words up
    to b positions away, b drawn uniformly in 1..window per centre. Returns two int64 arrays."""
    centres, contexts = [], []
    for seg in segments:
        seg = seg[rng.random(len(seg)) < keep[seg]]
        if len(seg) < 2:
            continue
        reach = rng.integers(1, window + 1, len(seg))
        for d in range(1, window + 1):
            near = np.nonzero(reach[:-d] >= d)[0]            # centre i looks d ahead ...
            centres.append(seg[near]), contexts.append(seg[near + d])
            far = np.nonzero(reach[d:] >= d)[0] + d          # ... and centre j looks d back
            centres.append(seg[far]), contexts.append(seg[far - d])
    return np.concatenate(centres), np.concatenate(contexts)


# %% [markdown]
# ## The training loop of word2vec
#
# Each epoch draws the subsampled pairs afresh, shuffles them, and for each minibatch draws k
# negatives per pair from the unigram^0.75 distribution. Adam on the negative-sampling loss.
# The corpus is small (about 45,000 words), so word2vec passes over it 30 times.
#
# The window is 10 words, not word2vec's default of 5: a wide window pairs a word with the words
# of its paragraph, so words of one subject end up together ("topical" similarity), where a
# narrow one pairs it with its grammatical neighbours (words that can replace each other). The
# downstream task asks which topic a passage is from, so it is the wide window that carries what
# the task needs. With window 5 the probes' neighbours mix in the documentation's example words
# ("list": tuple, sausage, bacon, spam; "method": object, user, __self__); with 10 they stay on
# subject ("dict": key, dictionary, keys, view; "method": object, class, __func__, instance), and
# the text-CNN on the frozen vectors is about 2 points more accurate (seed 1, the mean of four
# trainings: 0.802 with window 5, 0.825 with 10). The price: twice the (centre, context) pairs,
# 310,000 an epoch; the loss per pair ends higher (2.03, against 1.89 at window 5) because far
# contexts are harder to predict.

# %%
W2V_DIM, W2V_WINDOW, W2V_NEGATIVES, W2V_EPOCHS, W2V_BATCH = 64, 10, 5, 30, 512


def train_word2vec(segments, counts, run, epochs, dim=W2V_DIM, window=W2V_WINDOW,
                   k=W2V_NEGATIVES, batch_size=W2V_BATCH, lr=5e-3):
    """Skip-gram with negative sampling on ``segments`` (int arrays of word indices). Returns
    (the centre vectors as a NumPy array (V, D), the mean loss of each epoch)."""
    rng = np.random.default_rng(run.seed)
    mg.manual_seed(run.seed)
    model = SkipGram(len(counts), dim).to(run.device)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    keep = keep_probability(counts)
    noise = counts ** 0.75
    noise = noise / noise.sum()
    noise[:len(SPECIALS)] = 0.0                                   # never draw <pad> or <unk>
    noise = noise / noise.sum()
    losses = []
    bar = progress_bar(range(epochs), desc="word2vec (skip-gram, negative sampling)", unit="epoch")
    for _ in bar:
        centres, contexts = skipgram_pairs(segments, window, keep, rng)
        order = rng.permutation(len(centres))
        total, batches = 0.0, 0
        for i in range(0, len(order), batch_size):
            idx = order[i:i + batch_size]
            negatives = rng.choice(len(noise), size=(len(idx), k), p=noise)
            c, o, n = (mg.tensor(a, device=run.device) for a in (centres[idx], contexts[idx], negatives))
            loss = negative_sampling_loss(*model(c, o, n))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, batches = total + loss.item(), batches + 1
        losses.append(total / batches)
        bar.set_postfix({"negative-sampling loss": f"{losses[-1]:.3f}", "(centre, context) pairs": len(centres)})
    return model.in_embed.weight.detach().cpu().numpy(), losses


def nearest_neighbours(vectors, itos, word, n=5):
    """The ``n`` words whose vectors have the largest cosine similarity with ``word``'s."""
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    i = itos.index(word)
    sims = unit @ unit[i]
    sims[i] = -np.inf
    sims[:len(SPECIALS)] = -np.inf
    best = np.argsort(-sims)[:n]
    return [(itos[j], float(sims[j])) for j in best]


def pca_2d(vectors):
    """The vectors projected onto their two principal components (centred, by SVD)."""
    centred = vectors - vectors.mean(0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ vt[:2].T, (s[:2] ** 2) / (s ** 2).sum()


# %% [markdown]
# ## Part 1: word2vec on the standard library's documentation
#
# The vocabulary is every word seen at least `MIN_FREQ` times in the pre-training corpus, most
# frequent first, after `<pad>` (index 0) and `<unk>` (index 1, every rarer or unseen word).
# Good vectors put words used in the same contexts together: the probes' nearest neighbours
# should be words of the same kind.

# %%
MIN_FREQ = 3
PROBES = ("list", "dict", "int", "exception", "method", "true", "string", "loop")


def build_vocab(corpus):
    vocab = build_vocab_from_iterator(corpus, min_freq=MIN_FREQ, specials=SPECIALS)
    vocab.set_default_index(UNK)
    return vocab


def pretrained_vectors(run, task=None):
    """The task, its vocabulary, and word2vec's vectors trained on its corpus (computed once per
    run and seed; the textcnn part reuses what the word2vec part trained)."""
    key = ("w2v", run.seed, run.device, run.epochs)
    cache = _CACHE
    if key not in cache:
        task = task or make_task()
        vocab = build_vocab(task["corpus"])
        segments = [np.array(vocab(s), dtype=np.int64) for s in task["corpus"]]
        counts = np.bincount(np.concatenate(segments), minlength=len(vocab)).astype(np.float64)
        counts[:len(SPECIALS)] = 0.0      # <unk> stands for many rare words: not one word's count
        segments = [s[s != UNK] for s in segments]          # rare words leave no context
        vectors, losses = train_word2vec(segments, np.maximum(counts, 1.0), run,
                                         epochs=run.epochs_or(W2V_EPOCHS))
        vectors[PAD] = 0.0
        cache[key] = (task, vocab, vectors, losses, counts)
    return cache[key]


_CACHE = {}


def part_word2vec(run):
    """word2vec's skip-gram with negative sampling on pydoc_data.topics: loss curve, nearest
    neighbours of probe words, a 2-D PCA map of the vectors."""
    task, vocab, vectors, losses, counts = pretrained_vectors(run)
    itos = vocab.get_itos()
    n_tokens = int(counts.sum())
    print(f"   corpus: {len(task['corpus'])} segments, {n_tokens:,} words in the vocabulary of "
          f"{len(vocab):,} (seen >= {MIN_FREQ} times); {W2V_DIM}-d vectors")
    print(f"   negative-sampling loss per pair: epoch 1 {losses[0]:.3f} -> epoch {len(losses)} {losses[-1]:.3f} "
          f"(at the start: {(1 + W2V_NEGATIVES) * np.log(2):.3f} = (1 + k) ln 2)")
    neighbours = {w: nearest_neighbours(vectors, itos, w) for w in PROBES if w in vocab}
    for w, ns in neighbours.items():
        print(f"   {w:>10}: " + ", ".join(f"{n} ({s:.2f})" for n, s in ns))
    _plot_word2vec(run, losses, vectors, itos)
    return {"word2vec_final_loss": losses[-1], "vocab_size": len(vocab)}


WORD_GROUPS = {
    "built-in types": ("int", "float", "complex", "str", "bytes", "list", "tuple", "dict", "set"),
    "statements": ("if", "while", "for", "try", "except", "return", "break", "continue", "raise",
                   "yield", "import", "def", "class", "lambda"),
    "special methods": ("__init__", "__getattr__", "__add__", "__eq__", "__len__", "__iter__",
                        "__enter__", "__exit__"),
    "numbers": ("0", "1", "2", "3"),
    "the debugger": ("breakpoint", "frame", "debugger", "pdb"),
}


def _plot_word2vec(run, losses, vectors, itos):
    plot_curves({"training loss per (centre, context) pair": losses}, run.path("word2vec_loss.png"),
                title=f"word2vec skip-gram, {W2V_NEGATIVES} negatives per pair",
                xlabel="epoch", ylabel="negative-sampling loss (nats)")
    groups = {g: [w for w in words if w in itos] for g, words in WORD_GROUPS.items()}
    words = [w for ws in groups.values() for w in ws]
    points, ratio = pca_2d(vectors[[itos.index(w) for w in words]])
    where = dict(zip(words, points))
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(10, 7.5))
    for group, ws in groups.items():
        xy = np.array([where[w] for w in ws])
        dots = ax.scatter(xy[:, 0], xy[:, 1], s=18, label=group)
        for w, (x, y) in zip(ws, xy):
            ax.annotate(w, (x, y), fontsize=9, xytext=(3, 3), textcoords="offset points",
                        color=dots.get_facecolor()[0])
    ax.set(xlabel=f"principal component 1 ({ratio[0]:.1%} of these words' variance)",
           ylabel=f"principal component 2 ({ratio[1]:.1%})",
           title="word2vec vectors of a few kinds of words, PCA to 2-D\n"
                 "(the colours are not given to word2vec: it groups words by their contexts)")
    ax.legend()
    ax.grid(True, alpha=0.3)
    save_figure(fig, run, "word2vec_pca.png")


# %% [markdown]
# ## The model, part 2: the text-CNN
#
# The notes' recipe. Words become indices; the inputs must all have one length, so draw the
# histogram of passage lengths and pick a length that covers nearly all of them; pad the shorter
# ones with `<pad>` (index 0, a zero vector) and cut the longer ones. An Embedding layer loaded
# with the pre-trained vectors and frozen (`nn.Embedding.from_pretrained(vectors, freeze=True)`:
# no gradient reaches it) turns a passage into a (length, D) matrix. Convolutions with three
# kernel sizes (3, 4 and 5 words) and many filters each slide along it; each filter's feature
# map is reduced to its maximum over the positions (max-over-time pooling: "did this 4-word
# pattern occur anywhere?", whatever the length), and the concatenated maxima go through dropout
# and a Linear layer to the 8 topic scores (softmax in the cross-entropy).

# %%
KERNEL_SIZES = (3, 4, 5)
N_FILTERS = 100


class TextCNN(nn.Module):
    """Frozen Embedding -> Conv1d for each kernel size -> ReLU -> max over time -> concat ->
    Dropout -> Linear."""

    def __init__(self, vectors, n_classes, kernel_sizes=KERNEL_SIZES, n_filters=N_FILTERS, dropout=0.5):
        super().__init__()
        self.embed = nn.Embedding.from_pretrained(vectors, freeze=True, padding_idx=PAD)
        dim = vectors.shape[1]
        self.convs = nn.ModuleList([nn.Conv1d(dim, n_filters, k) for k in kernel_sizes])
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(n_filters * len(kernel_sizes), n_classes)

    def forward(self, tokens):
        """tokens (B, L) -> logits (B, n_classes)."""
        x = self.embed(tokens).transpose(1, 2)                        # (B, D, L): channels = D
        pooled = [F.relu(conv(x)).amax(dim=2) for conv in self.convs]  # each (B, n_filters)
        return self.fc(self.dropout(mg.cat(pooled, dim=1)))


def choose_length(lengths, coverage=0.95):
    """The fixed input length: the smallest length that covers ``coverage`` of the passages."""
    ordered = np.sort(np.asarray(lengths))
    return int(ordered[int(np.ceil(coverage * len(ordered))) - 1])


def pad_truncate(sequences, length, pad=PAD):
    """Index lists -> an int64 array (n, length): shorter ones padded with ``pad`` at the end,
    longer ones cut."""
    out = np.full((len(sequences), length), pad, dtype=np.int64)
    for i, s in enumerate(sequences):
        s = s[:length]
        out[i, :len(s)] = s
    return out


def encode(examples, vocab, length, device):
    x = pad_truncate([vocab(tokens) for tokens, _ in examples], length)
    y = np.array([label for _, label in examples], dtype=np.int64)
    return mg.tensor(x, device=device), mg.tensor(y, device=device)


# %% [markdown]
# ## The training loop of the text-CNN
#
# Minibatch Adam on the cross-entropy (`lessons.common.train_early_stopping`, the loop the bert
# lesson's fine-tuning shares); after each epoch the validation loss decides: the best epoch's
# weights are kept, and training stops after `PATIENCE` epochs without improvement
# (early stopping, the notes' Keras `EarlyStopping`, whose default is to watch `val_loss`).
# The loss, not the accuracy: on 78 validation passages the accuracy moves in steps of 1.3
# points and ties often, so the epoch it picks is largely luck (on seed 1, one training's test
# accuracy had a standard deviation of 4 points over six trainings with it, 1.6-2.5 with the
# loss). The epoch cap is far above where either arm stops: the net on random vectors needs
# 35-95 epochs to reach its best validation loss, and a cap that cut it short would flatter the
# pre-trained vectors.

# %%
PATIENCE = 6


def random_like(vectors, rng):
    """Random vectors with the pre-trained ones' spread (the same std in every dimension), the
    <pad> row zero."""
    out = rng.standard_normal(vectors.shape) * vectors[len(SPECIALS):].std(0)
    out[PAD] = 0.0
    return out.astype(np.float32)


# %% [markdown]
# ## Part 2: the text-CNN on frozen pre-trained embeddings, and on frozen random ones
#
# The same network, the same split, the same seeds, twice: once with word2vec's vectors in the
# frozen Embedding, once with random vectors of the same spread. The Conv and Linear layers are
# all that trains in both; the difference in test accuracy is what the pre-training bought.
#
# Both arms see the same words: the passages the text-CNN trains on are more than half of
# word2vec's corpus, and only 0.3% of the test words are in the vocabulary without occurring in
# a training passage. So the random vectors are not handicapped by unknown words: what the
# pre-training adds is which words are used alike (and, in its vectors' lengths, which words
# are frequent: their vectors come out short). The random vectors are a fair rival: drawn with
# the pre-trained vectors' spread in every dimension, and given every epoch they ask for (the
# net on them trains about twice as long, 35-95 epochs, before its validation loss turns up;
# stopped at 40 epochs, or on the jumpy validation accuracy, it looked worse than it is). The
# pre-trained vectors win on the test cross-entropy (0.55-0.64 against 0.71-0.76 nats on seeds
# 0-4) and by 4 to 8 points of accuracy. One training of a text-CNN is noisy, though: on random
# vectors another seed (and another random table) moves the test accuracy by up to 9 points.
# Each arm is therefore trained `TRAININGS` times (seeds `TRAININGS * seed` onwards; a fresh
# random table each time) and its test accuracy is the mean: the measurement is of the
# embeddings, not of one run's luck.

# %%
TRAININGS = 4
MAX_EPOCHS = 100


def part_textcnn(run):
    """The notes' text-CNN on frozen word2vec embeddings (kernels 3, 4, 5, max-over-time pooling,
    7:1:2 split, early stopping), against the same net on frozen random embeddings; each test
    accuracy is the mean of ``TRAININGS`` trainings."""
    task, vocab, vectors, _, _ = pretrained_vectors(run)
    lengths = [len(t) for t, _ in task["train"]]
    length = choose_length(lengths)
    n = {s: len(task[s]) for s in ("train", "val", "test")}
    print(f"   {N_TOPICS} topics: {', '.join(task['classes'])}")
    print(f"   passages train/val/test {n['train']}/{n['val']}/{n['test']}; fixed length {length} "
          f"words (covers 95% of the training passages)")
    data = {s: encode(task[s], vocab, length, run.device) for s in ("train", "val", "test")}
    runs, losses, stops, histories = {"pre-trained": [], "random": []}, {}, {}, {}
    rng = np.random.default_rng(run.seed)
    for seed in range(TRAININGS * run.seed, TRAININGS * (run.seed + 1)):
        for name, table in (("pre-trained", vectors.astype(np.float32)), ("random", random_like(vectors, rng))):
            mg.manual_seed(seed)
            model = TextCNN(mg.tensor(table), len(task["classes"])).to(run.device)
            history = train_early_stopping(model, data, run.device, f"text-CNN, frozen {name} embeddings "
                                           f"(seed {seed})", seed, run.epochs_or(MAX_EPOCHS), PATIENCE)
            histories.setdefault(name, history)
            test_accuracy, test_loss = evaluate(model, *data["test"])
            runs[name].append(test_accuracy)
            losses.setdefault(name, []).append(test_loss)
            stops.setdefault(name, []).append(1 + int(np.argmin(history["validation loss"])))
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    trained = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f"   each text-CNN: {frozen:,} frozen, {trained:,} trained parameters")
    results = {name: float(np.mean(accs)) for name, accs in runs.items()}
    for name, accs in runs.items():
        print(f"   frozen {name} embeddings: test accuracy {results[name]:.3f} (mean of "
              + ", ".join(f"{a:.3f}" for a in accs) + f"), test cross-entropy {np.mean(losses[name]):.3f}; "
              f"best validation loss at epochs {', '.join(map(str, stops[name]))}")
    gain = results["pre-trained"] - results["random"]
    print(f"   pre-training gain: {gain:+.3f} (uniform guessing: {1 / N_TOPICS:.3f})")
    _plot_lengths(run, lengths, length)
    _plot_textcnn(run, histories, results)
    return {"textcnn_test_accuracy": results["pre-trained"],
            "textcnn_random_frozen_test_accuracy": results["random"],
            "textcnn_pretrained_gain": gain, "textcnn_fixed_length": length,
            "textcnn_test_loss": float(np.mean(losses["pre-trained"])),
            "textcnn_random_frozen_test_loss": float(np.mean(losses["random"]))}


def _plot_lengths(run, lengths, length):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4))
    ax.hist(lengths, bins=np.arange(min(lengths) - 0.5, max(lengths) + 1.5), color="tab:blue")
    ax.axvline(length, color="tab:red", ls="--", label=f"chosen fixed length: {length}")
    ax.set(xlabel="words per passage", ylabel="training passages",
           title="histogram of passage lengths: choose the fixed input length")
    ax.legend()
    save_figure(fig, run, "textcnn_lengths.png")


def _plot_textcnn(run, histories, results):
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    for (name, h), colour in zip(histories.items(), ("tab:blue", "tab:orange")):
        epochs = np.arange(1, len(h["train loss"]) + 1)
        axes[0].plot(epochs, h["train loss"], color=colour, label=f"frozen {name} embeddings: training")
        axes[0].plot(epochs, h["validation loss"], color=colour, ls="--",
                     label=f"frozen {name} embeddings: validation")
        axes[1].plot(epochs, h["validation accuracy"], color=colour,
                     label=f"frozen {name} embeddings (test accuracy, mean of {TRAININGS} "
                           f"trainings: {results[name]:.3f})")
    axes[0].set(xlabel="epoch", ylabel="cross-entropy (nats)",
                title="text-CNN: loss, first training\n(early stopping keeps the best validation loss)")
    axes[1].axhline(1 / N_TOPICS, color="gray", ls=":", label=f"uniform guessing: {1 / N_TOPICS:.3f}")
    axes[1].set(xlabel="epoch", ylabel="validation accuracy", title="text-CNN: validation accuracy, first training")
    axes[0].legend()
    for ax in axes:
        ax.grid(True, alpha=0.3)
    axes[1].legend(loc="upper center", bbox_to_anchor=(0.5, -0.15))     # below: clear of the curves
    save_figure(fig, run, "textcnn_curves.png")


# %% [markdown]
# ## Running the lesson

# %%
PARTS = {"word2vec": part_word2vec, "textcnn": part_textcnn}


def tiny_model_check(device="cpu"):
    """Gradcheck, in float64, a tiny skip-gram model through the negative-sampling loss, and a
    tiny text-CNN (frozen embeddings, kernels 2 and 3, max over time; dropout off) through the
    cross-entropy, over every trainable parameter, on ``device``."""
    mg.manual_seed(0)
    skipgram = SkipGram(7, 4).to(device)
    with mg.no_grad():
        nn.init.normal_(skipgram.out_embed.weight)          # not zero, so every gradient is alive
    centre, context = mg.tensor([1, 2, 3], device=device), mg.tensor([2, 3, 4], device=device)
    negatives = mg.tensor([[5, 6], [0, 6], [5, 1]], device=device)
    worst = parameters_check(lambda: negative_sampling_loss(*skipgram(centre, context, negatives)), skipgram)
    cnn = TextCNN(mg.randn(7, 4), 3, kernel_sizes=(2, 3), n_filters=3, dropout=0.0).to(device)
    tokens = mg.tensor([[2, 3, 4, 5, 0], [6, 1, 2, 0, 0]], device=device)
    labels = mg.tensor([0, 2], device=device)
    worst = max(worst, parameters_check(lambda: F.cross_entropy(cnn(tokens), labels), cnn))
    return worst


def main(argv=None):
    return lesson_main(NAME, PARTS, argv)


if __name__ == "__main__":
    sys.exit(main())
