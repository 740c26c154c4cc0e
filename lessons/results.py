"""The measured results of every lesson, written down once.

Each headline result was measured by hand on seeds 0-4 (``minigrad lesson NAME --part P --seed S``)
and is given as worst / median over the five seeds; times are CPU seconds on a 2-core machine.
``minigrad lessons`` prints these, and the lessons table of the README is this module's
``readme_table()`` (``python -m lessons.results`` prints it; a test keeps the two equal).
``HEADLINE`` names the metrics of ``metrics.json`` that the results quote, so ``minigrad lessons``
can show a user's own last run next to them.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Measured:
    rebuilds: str           # what the lesson rebuilds, for the README
    result: str             # the headline numbers on seeds 0-4, worst / median
    time: str               # how long it takes on a CPU
    headline: tuple         # the metrics.json names behind ``result``


RESULTS = {
    "mlp": Measured(
        "linear regression onto least squares, a digits MLP, Keras-style parameter counts, 7 "
        "optimisers, LR range test, L1/L2, dropout, early stopping, K-fold, F1 threshold, ROC/AUC",
        "digits test accuracy 0.975 / 0.978 (bar 0.97); regression gap to lstsq 9e-12 (bar 1%); "
        "counts 266,610 / 271,346 / 2,368",
        "digits + regression ~11 s CPU",
        ("digits_test_accuracy", "regression_rel_gap_to_lstsq", "params_mlp", "params_mlp_bn",
         "params_mlp_bn_non_trainable")),
    "cnn": Measured(
        "LeNet on digits resized to 32x32, hand-made line filters, valid/same padding and stride, "
        "the Keras CNN, max/avg/global pooling, receptive field",
        "LeNet test accuracy 0.981 / 0.989 (bar 0.98); on Fashion-MNIST (`--data fashion-mnist`, 3 "
        "epochs on 20,000 training images, ~32 s CPU) 0.856 / 0.862; Keras CNN 1,413,834 parameters",
        "all parts ~13 s user CPU (LeNet 5.6-8.1 s per seed)",
        ("lenet_test_accuracy", "fashion_mnist_test_accuracy", "params_keras_cnn")),
    "architectures": Measured(
        "the notes' CNN families built from minigrad layers and counted with `summary` (VGG's stacked "
        "3x3 convs, ResNet's basic block with its identity added back and a 1x1 projection, an Inception "
        "block, MobileNet's depthwise-separable conv, an SE block), a 20-layer plain CNN vs the same "
        "with skips, batch norm's activations in an 8-layer ReLU MLP",
        "depthwise-separable / standard 3x3 parameters 0.1267 = 1/C_out + 1/k^2 (exact); plain / "
        "residual final training loss 1.77 / 2.10 (bar 1.5); last-layer activation std 0.024 / 0.022 "
        "without batch norm (bar < 0.25), 0.586 / 0.587 with it (bar 0.4-2); ResNet Fashion-MNIST "
        "test accuracy 0.907 / 0.910 after 2 epochs on 50,000 images, one-cycle Adam peaking at 1e-2 (bar "
        "0.90; seeds 0-4: 0.9076, 0.9096, 0.9073, 0.9096, 0.9098; schedule chosen on the 10,000 training "
        "images left out; the former 3 epochs on 10,000 images at 3e-3 gave 0.864 / 0.868); parameters "
        "VGG 75,002, ResNet 77,754, Inception 28,738, MobileNet 36,874, SENet 80,582; the other four at "
        "the same settings (no bar of their own), seeds 0-4: VGG 0.906 / 0.906 (0.906, 0.9097, 0.9059, "
        "0.9062, 0.9108), Inception 0.904 / 0.906 (0.906, 0.9062, 0.9076, 0.9038, 0.9046), MobileNet "
        "0.896 / 0.898 (0.901, 0.8982, 0.8963, 0.9013, 0.8967: under the ResNet's 0.90 on three seeds), "
        "SENet 0.903 / 0.908 (0.908, 0.9025, 0.9056, 0.9116, 0.9093)",
        "taxonomy ~5 s, batch norm ~2 s, degradation ~50 s, ResNet 103-112 s CPU per seed (the slow test "
        "runs it alone); one family per run (`--families F`), seeds 1-4: VGG 70-84 s, Inception 94-97 s, "
        "MobileNet 90-100 s, SENet 86-91 s (user time, measured at load 0.1-4)",
        ("separable_param_ratio", "degradation_loss_ratio", "act_std_last_no_bn", "act_std_last_bn",
         "resnet_test_accuracy")),
    "transfer": Measured(
        "transfer learning by freezing: a CNN pre-trained on Fashion-MNIST's classes 0-4, then 20 labelled "
        "images per class of 5-9: frozen extractor (`requires_grad_(False)`) + new head, fine-tuned at lr / 10, "
        "the same network from scratch; trainable / frozen counts; where to cut",
        "test accuracy on classes 5-9: frozen 0.899 / 0.902, fine-tuned 0.899 / 0.903, scratch (lowest / "
        "median) 0.869 / 0.876; gain of frozen over scratch 0.016 / 0.023 (seeds 0-4: 0.026, 0.023, 0.019, "
        "0.034, 0.016): the bar 0.05 is NOT reached -- the new classes are mostly shoes, the old ones clothes, "
        "and pre-training 3x longer on shifted images, weight decay on the head or a cut after block 2 leave the "
        "frozen extractor at 0.89-0.91 (seed 0; globally pooled features 0.79-0.87, the same extractor random "
        "and frozen 0.84; a new trainable block 3 on frozen blocks 1-2 0.905, +0.029 over scratch; with batch "
        "norm in the extractor (eval mode when frozen), 3 epochs of shifted images: frozen 0.905-0.917 with "
        "linear, MLP or new-block heads, but that network from scratch also rises, to 0.900: +0.017; seeds 0-4 "
        "with the lesson's functions: the gain averaged over 3 draws of the 100 images 0.015 / 0.024, so the "
        "fixed draw is not unlucky; the head trained 200 epochs instead of 60 moves the frozen accuracy by "
        "0.000-0.003; scratch at 20 / 60 / 200 epochs 0.863 / 0.876 / 0.877 (seed 0): not over-trained at 60, "
        "and not short-changed; an extractor twice as wide (32-64-128, seed 0): frozen 0.900, scratch 0.894, "
        "+0.006 -- width helps scratch, not the frozen features); 23,296 frozen, 2,885 trainable parameters",
        "~67 s CPU per seed (user time, measured at load 15-18)",
        ("transfer_frozen_accuracy", "transfer_finetune_accuracy", "scratch_accuracy",
         "transfer_gain_over_scratch")),
    "segmentation": Measured(
        "semantic segmentation of shapes the lesson draws (32x32, circle / square / triangle on a noisy "
        "background): `F.interpolate` vs `ConvTranspose2d` (the adjoint of a convolution), an FCN and a "
        "U-Net scored by per-class IoU, the skips' gain at the boundaries",
        "U-Net mean IoU on 500 held-out images 0.983 / 0.983 (bar 0.90; width 12: at width 8 training "
        "stalled with classes merged, 0.351 on seed 1); FCN 0.718 / 0.969 (reported, no bar; seed 4 never "
        "learns the triangles); boundary-pixel accuracy U-Net 0.981 / 0.982, FCN 0.820 / 0.963 (on the "
        "four seeds where the FCN learns every class its boundary errors are 2.5-4.1%, the U-Net's "
        "1.2-1.9%; interiors 0.9995-0.9999 for both); ConvTranspose2d's adjoint gap 4e-16",
        "all parts ~175-198 s CPU per seed, the U-Net part alone (the slow test) ~93 s (user time, measured at load 5-7)",
        ("unet_mean_iou", "fcn_mean_iou", "unet_boundary_accuracy", "fcn_boundary_accuracy")),
    "style": Measured(
        "neural style transfer as the notes walk through it (content loss on relu3_1, Gram-matrix style "
        "losses on six layers, every weight frozen, only the image trained) and deep dream, on "
        "scikit-learn's two photographs shrunk to 85x128, with a VGG-like network of random frozen "
        "filters (no trained weights offline)",
        "final / initial style loss 0.067 / 0.041 (bar <= 0.1); content kept ratio 0.428 / 0.389 (bar "
        "<= 0.5), both with each loss weighed in its own unit (style over its start, content over the "
        "style image's: the random networks' raw style losses differ 70x between seeds); deep-dream "
        "feature-norm gain 2.35 / 2.55 (bar >= 2); the low- vs high-layer texture figure does not show "
        "the notes' contrast cleanly with random filters",
        "transfer + dream ~13-15 s CPU per seed, all parts ~19 s (user time, measured at load 4-6)",
        ("style_loss_reduction", "content_kept_ratio", "dream_feature_norm_gain")),
    "lstm": Measured(
        "the LSTM memory cell by hand, the LSTM cell from Tensor ops, the w^999 cliff and clipping, "
        "BPTT vs truncated BPTT, delayed recall, a character LSTM on `pydoc_data.topics`, "
        "RNN/GRU/LSTM gradient norms, stacked/bidirectional",
        "cell table exact; the cell from ops equals nn.LSTM, outputs and gradients (worst 7.1e-15, "
        "median 1.8e-15 in float64); TBPTT(k1=k2=T) = BPTT (diff 0 in float64); delayed recall lag 5: k2=4 "
        "stays at chance (0.28), k2=12 learns (0.996); char-LSTM validation bits/char 2.22 / 2.17 "
        "(bar 2.5)",
        "char-LSTM 7-8.5 s user CPU per seed, other parts under a minute each",
        ("cell_table_max_abs_error", "cell_from_ops_max_abs_diff", "tbptt_vs_bptt_max_abs_diff", "delayed_recall_accuracy_k2_short",
         "delayed_recall_accuracy_k2_long", "char_val_bpc")),
    "transformer": Measured(
        "scaled dot-product and multi-head attention, the encoder-decoder Transformer on reversing "
        "digit strings with greedy decoding, longer-than-trained lengths, attention vs LSTM cost",
        "reversal exact match on held-out 5-8 digit strings 1.000 / 1.000 (bar 0.99); longer 9-12 "
        "digit strings 0.048 / 0.096 (the weakness the notes name)",
        "~170 s CPU (2,000 steps)",
        ("exact_match_train_lengths", "exact_match_longer_lengths")),
    "gan": Measured(
        "DCGAN and ACGAN on 8x8 digits, judged by a separately trained classifier; WGAN-GP (a "
        "critic with a gradient penalty: second-order conv gradients)",
        "ACGAN class accuracy 0.959 / 0.961 (bar 0.90); DCGAN rarest class 0.055 / 0.066 of 1,000 "
        "(bar 0.03); WGAN-GP rarest class 0.053 / 0.060",
        "DCGAN 24-26 s, ACGAN 24-26 s, WGAN-GP 91-94 s user CPU per seed (800 generator steps), each part "
        "run alone",
        ("acgan_class_accuracy", "dcgan_min_class_fraction", "wgan_gp_min_class_fraction")),
    "autoencoder": Measured(
        "PCA from the covariance's eigen-decomposition (checked against an SVD), linear autoencoders "
        "k = 2, 8, 16 against PCA's error and subspace, a deep autoencoder with a 2-D code against PCA's, "
        "a denoising autoencoder, on the 8x8 digits",
        "linear autoencoders k = 2, 8, 16: worst gap to PCA's training MSE 5e-8 (bar 2%), largest "
        "principal angle 0.0004 degrees (bar 5), a decoder column's best |cos| with a component (lowest / "
        "median) 0.60 / 0.66 (the subspace, not the components); deep / PCA test MSE "
        "at k = 2 0.598 / 0.580 on seeds 0-4 (bar 0.85); eigenvalues = SVD's to 1.2e-15; denoising MSE "
        "0.089 -> 0.020 (seed 0)",
        "linear ~63 s CPU (3 k; 216-235 s on seeds 3-4 measured at load ~17), deep ~13 s, denoise ~17 s "
        "(user time, measured at load 13-22)",
        ("linear_ae_rel_gap_to_pca", "linear_ae_subspace_angle_deg", "deep_ae_mse_over_pca_mse")),
    "vae": Measured(
        "VAE (2-D latent grid, interpolation) and conditional VAE on 8x8 digits",
        "CVAE class accuracy 0.999 / 1.000 (bar 0.90); test ELBO -25.18 / -24.98 nats per image",
        "~10 s",
        ("cvae_class_accuracy", "test_elbo")),
    "dqn": Measured(
        "DQN with replay, target network and Huber loss on CartPole (NumPy physics) and a NumPy "
        "Flappy Bird from 4 stacked frames",
        "CartPole average greedy return over 100 episodes 346.1 / 494.2 (bar 195; training stops once "
        "a 100-episode greedy evaluation averages 475); Flappy Bird pipes passed per episode "
        "(greedy, 100 episodes cut at 1,000 steps) 16.7 / 24.6 after 6,000 iterations of 8 games "
        "(random policy: 0; an earlier measurement at the same settings gave 21.4 / 28.1)",
        "CartPole 3-32 s, Flappy 100-113 s user CPU per seed",
        ("cartpole_avg_return_100", "flappy_avg_pipes")),
    "ddp": Measured(
        "data parallelism on MPI (`--ranks 2`): p ranks' averaged shard gradients = the whole "
        "batch's, ring all-reduce and its 2(p-1)/p cost, DistributedDataParallel's step time, "
        "buckets and scaling on 1, 2, 4 ranks, the digits MLP on 2 ranks",
        "digits MLP test accuracy on 2 ranks equal to 1 rank's on every seed: 0.972 / 0.981 (bar "
        "0.97); averaged gradient = whole-batch gradient to 3e-17 (float64)",
        "not yet timed on a quiet machine (digits: the mlp lesson's 40 epochs on each rank)",
        ("digits_test_accuracy", "same_gradient_max_abs_diff")),
    "text": Measured(
        "word2vec (skip-gram, negative sampling, subsampling, a 10-word window) on "
        "`pydoc_data.topics`, then the notes' text-CNN (frozen embeddings, kernels 3/4/5, "
        "max-over-time pooling, 7:1:2 split, early stopping on the validation loss) classifying "
        "30-60 word passages into the 8 largest topics",
        "text-CNN test accuracy on frozen word2vec vectors 0.819 / 0.841 (bar 0.70); on frozen random "
        "vectors of the same per-dimension spread, trained as long as their validation loss falls, "
        "0.766 / 0.775; pre-training gain 0.039 / 0.071 (bar 0.03, met on all five seeds; mean 0.063); "
        "test cross-entropy 0.55-0.64 against 0.71-0.76 nats; word2vec 30 epochs, each accuracy the "
        "mean of four text-CNN trainings",
        "~215-260 s CPU per seed (word2vec ~65-85 s, the eight text-CNNs ~150-175 s; user time, "
        "measured at load 13-30)",
        ("textcnn_test_accuracy", "textcnn_random_frozen_test_accuracy", "textcnn_pretrained_gain")),
    "seq2seq": Measured(
        "a bidirectional-GRU encoder-decoder with the notes' fixed context vector c and with additive "
        "attention, translating dates written in 14 formats into ISO dates; greedy and beam-search "
        "decoding (`minigrad.utils.decoding`); attention maps; reversing 4-20 symbol strings",
        "dates exact match with attention 0.998 / 1.000 (bar 0.99), beam 4 the same, fixed context "
        "0.533 / 0.589; reversing 15-20 symbols: attention 0.756 / 0.867, fixed context 0.000 / "
        "0.000, gain 0.756 / 0.867 (bar 0.2)",
        "dates ~53-59 s, reversal ~60-90 s CPU per seed (measured under load)",
        ("seq2seq_attention_exact_match", "seq2seq_no_attention_exact_match", "long_attention_exact_match",
         "long_no_attention_exact_match", "attention_gain_long")),
    "captioning": Measured(
        "the notes' image-captioning model: a CNN feature map as the encoder's output (local: each "
        "position sees its cell and a 3-pixel rim, with its (x, y) as two channels), its mean "
        "setting an LSTM's first state, additive attention over the 36 positions before every word, "
        "greedy decoding (`minigrad.utils.decoding`), on drawn scenes of two coloured shapes",
        "exact captions 0.963 / 0.987 (bar 0.90), BLEU-4 0.986 / 0.994, attention on the named "
        "object 0.700 / 0.737 (bar 0.5) on 1,000 held-out scenes, 1,000 steps",
        "~92-99 s CPU",
        ("caption_exact_match", "caption_bleu4", "attention_on_object")),
    "bert": Measured(
        "a mini BERT: token + segment + position embeddings, a 2-layer Transformer encoder, "
        "[CLS]/[SEP]/[MASK]; masked LM (15% chosen: 80% [MASK], 10% random, 10% kept) and next-sentence "
        "prediction (50% true next) pre-trained on `pydoc_data.topics`; the [CLS] vector fine-tuned on "
        "the text lesson's 8-topic task against the same model from scratch",
        "MLM accuracy on the held-out passages 0.147 / 0.152, 1.88x / 1.94x always 'the' (0.078; bar 2: "
        "NOT reached on any seed, best 1.98x); NSP 0.730 / 0.745 (bar 0.75: reached on seeds 3 and 4 only); "
        "[CLS] classifier fine-tuned 0.736 / 0.792, from scratch 0.811 / 0.830: pre-training gain -0.107 / "
        "-0.038 (bar 0.02: NOT reached on any seed, best 0.000); 2,000 pre-training steps of 32 pairs. "
        "Twice as long (`--epochs 2`, seed 0 only, ~230 s user CPU): MLM 2.05x, NSP 0.780, gain -0.025",
        "~135-155 s user CPU per seed (pre-training ~120-140 s, two fine-tunings; measured at load 3-6)",
        ("mlm_accuracy", "mlm_accuracy_over_unigram", "nsp_accuracy", "bert_finetune_test_accuracy",
         "bert_scratch_test_accuracy", "bert_pretrain_gain")),
}

SOURCE = "seeds 0-4, worst / median"


def readme_table() -> str:
    """The README's lessons table, one row per lesson of ``RESULTS``."""
    rows = ["| lesson | what it rebuilds | headline result (seeds 0-4: worst / median) | "
            "wall time (CPU) | command |",
            "|---|---|---|---|---|"]
    rows += [f"| {name} | {m.rebuilds} | {m.result} | {m.time} | `minigrad lesson {name}` |"
             for name, m in RESULTS.items()]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    sys.stdout.write(readme_table())
