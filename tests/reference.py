"""Slow, obviously correct reference code the njit kernels are tested against.

Everything here is plain Python/NumPy in float64, written for clarity, not speed. The random stream
is re-implemented with Python integers so a whole kernel run can be replayed draw for draw.
"""
from __future__ import annotations

import math

import numpy as np

MASK64 = (1 << 64) - 1
XORSHIFT_MULTIPLIER = 0x2545F4914F6CDD1D
ONE32 = 1 << 32
MAX_EXP = 6.0


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def table_sigmoid(f, sig_table):
    """The tabulated sigmoid the kernels use: saturate beyond +-MAX_EXP, else the bin's value."""
    if f >= MAX_EXP:
        return 1.0
    if f <= -MAX_EXP:
        return 0.0
    size = len(sig_table)
    i = min(int((f + MAX_EXP) * (size / (2 * MAX_EXP))), size - 1)
    return float(sig_table[i])


def ns_loss(h, out_vectors, labels):
    """Negative-sampling loss -sum_k log s((2 y_k - 1) h . v_k) with the exact sigmoid."""
    total = 0.0
    for v, y in zip(out_vectors, labels):
        f = float(np.dot(h, v))
        total -= math.log(sigmoid(f) if y == 1 else sigmoid(-f))
    return total


def ns_gradients(h, out_vectors, labels):
    """Analytic gradients of :func:`ns_loss`: (dL/dh, [dL/dv_k])."""
    dh = np.zeros_like(h, dtype=np.float64)
    dv = []
    for v, y in zip(out_vectors, labels):
        err = y - sigmoid(float(np.dot(h, v)))
        dh -= err * v
        dv.append(-err * h)
    return dh, dv


def ns_step(h, syn1, targets, alpha, sig_table):
    """One negative-sampling step in word2vec.c's order. Returns (new syn1 rows applied in place
    to the float64 copy ``syn1``, accumulated gradient for h)."""
    neu1e = np.zeros(len(h), dtype=np.float64)
    for k, t in enumerate(targets):
        label = 1.0 if k == 0 else 0.0
        f = float(np.dot(h, syn1[t]))
        g = (label - table_sigmoid(f, sig_table)) * alpha
        neu1e += g * syn1[t]
        syn1[t] = syn1[t] + g * h
    return neu1e


def skipgram_update(syn0, syn1, context, targets, alpha, sig_table):
    """One skip-gram example on float64 copies; returns (syn0, syn1)."""
    syn0 = syn0.astype(np.float64)
    syn1 = syn1.astype(np.float64)
    h = syn0[context].copy()
    syn0[context] = h + ns_step(h, syn1, targets, alpha, sig_table)
    return syn0, syn1


def cbow_update(syn0, syn1, contexts, targets, alpha, sig_table):
    """One CBOW example (mean of contexts; full neu1e added to every context, as word2vec.c)."""
    syn0 = syn0.astype(np.float64)
    syn1 = syn1.astype(np.float64)
    h = np.mean([syn0[c] for c in contexts], axis=0)
    neu1e = ns_step(h, syn1, targets, alpha, sig_table)
    for c in contexts:
        syn0[c] = syn0[c] + neu1e
    return syn0, syn1


def hogbatch_update(syn0, syn1, contexts, targets, alpha, sig_table):
    """One window with shared targets as a mini-batch: every gradient from the same snapshot."""
    syn0 = syn0.astype(np.float64)
    syn1 = syn1.astype(np.float64)
    C = np.array([syn0[c] for c in contexts])
    T = np.array([syn1[t] for t in targets])
    labels = np.zeros(len(targets))
    labels[0] = 1.0
    S = C @ T.T
    G = np.array([[(labels[j] - table_sigmoid(S[a, j], sig_table)) * alpha
                   for j in range(len(targets))] for a in range(len(contexts))])
    dC, dT = G @ T, G.T @ C
    for a, c in enumerate(contexts):
        syn0[c] += dC[a]
    for j, t in enumerate(targets):
        syn1[t] += dT[j]
    return syn0, syn1


class ReferenceRNG:
    """xorshift64* on Python integers, the same stream as :mod:`fastw2v.kernels.rng`."""

    def __init__(self, state: int):
        self.x = int(state)

    def next(self) -> int:
        x = self.x
        x ^= x >> 12
        x ^= (x << 25) & MASK64
        x ^= x >> 27
        self.x = x
        return (x * XORSHIFT_MULTIPLIER) & MASK64

    def below(self, n: int) -> int:
        return ((self.next() >> 32) * n) >> 32

    def alias(self, threshold, alias) -> int:
        r = self.next()
        i = ((r >> 32) * len(threshold)) >> 32
        return i if (r & 0xFFFFFFFF) < int(threshold[i]) else int(alias[i])

    def keep(self, keep_threshold, w) -> bool:
        t = int(keep_threshold[w])
        if t >= ONE32:
            return True
        return (self.next() >> 32) < t


def random_stream(seed, n_words, lengths, zipf=None):
    """A token stream of random word ids below ``n_words``: one sentence of each length in
    ``lengths``, each followed by the end marker (-1), as the corpus encoder writes them. Ids are
    uniform, or with ``zipf`` Zipf-distributed with that exponent (folded below ``n_words``)."""
    rng = np.random.default_rng(seed)
    parts = []
    for n in lengths:
        ids = rng.integers(0, n_words, n) if zipf is None else rng.zipf(zipf, n) % n_words
        parts.append(ids.astype(np.int32))
        parts.append(np.array([-1], dtype=np.int32))
    return np.concatenate(parts)


def split_sentences(tokens):
    sentences, cur = [], []
    for w in tokens:
        if w < 0:
            if cur:
                sentences.append(cur)
            cur = []
        else:
            cur.append(int(w))
    if cur:
        sentences.append(cur)
    return sentences


def _windows(tokens, rng, window, keep_threshold):
    """Every kept center word with its shrunk window's context words, drawn as the kernels draw
    them: a sentence's keep tests first, then one window draw per center. A caller's draws for a
    center (its negatives) happen before the next center's window is drawn."""
    for sentence in split_sentences(tokens):
        kept = [w for w in sentence if rng.keep(keep_threshold, w)]
        for i, word in enumerate(kept):
            b = 1 + rng.below(window)
            lo, hi = max(0, i - b), min(len(kept), i + b + 1)
            yield word, [kept[j] for j in range(lo, hi) if j != i]


def train_reference(tokens, syn0, syn1, *, sg, window, negative, alpha, keep_threshold,
                    ns_threshold, ns_alias, sig_table, rng_state, hs=None):
    """A whole single-thread pass at constant ``alpha``, sentence by sentence, no blocks.

    ``sg``: True (exact skip-gram), False (CBOW) or "hogbatch" (skip-gram, shared negatives).
    ``hs``: None, or ``(paths, syn1hs)`` with ``paths[w] = (codes, points)``: hierarchical softmax
    (skip-gram or CBOW) before the negatives, which are drawn only when ``negative > 0``.

    Returns float64 (syn0, syn1), and syn1hs as a third element with ``hs``. Matches the kernels
    draw for draw when every sentence fits in one block or when nothing is subsampled.
    """
    if hs is not None:
        return _train_reference_hs(tokens, syn0, syn1, hs, sg=sg, window=window,
                                   negative=negative, alpha=alpha, keep_threshold=keep_threshold,
                                   ns_threshold=ns_threshold, ns_alias=ns_alias,
                                   sig_table=sig_table, rng_state=rng_state)
    syn0 = syn0.astype(np.float64)
    syn1 = syn1.astype(np.float64)
    rng = ReferenceRNG(rng_state)
    for word, contexts in _windows(tokens, rng, window, keep_threshold):
        if sg == "hogbatch":
            if contexts:
                targets = _targets(rng, word, negative, ns_threshold, ns_alias)
                syn0, syn1 = hogbatch_update(syn0, syn1, contexts, targets, alpha, sig_table)
        elif sg:
            for c in contexts:
                targets = _targets(rng, word, negative, ns_threshold, ns_alias)
                h = syn0[c].copy()
                syn0[c] = h + ns_step(h, syn1, targets, alpha, sig_table)
        elif contexts:
            targets = _targets(rng, word, negative, ns_threshold, ns_alias)
            h = np.mean([syn0[c] for c in contexts], axis=0)
            neu1e = ns_step(h, syn1, targets, alpha, sig_table)
            for c in contexts:
                syn0[c] = syn0[c] + neu1e
    return syn0, syn1


def _targets(rng, word, negative, ns_threshold, ns_alias):
    targets = [word]
    for _ in range(negative):
        neg = rng.alias(ns_threshold, ns_alias)
        if neg != word:
            targets.append(neg)
    return targets


# --- hierarchical softmax ------------------------------------------------------------------------
def huffman_cost(counts):
    """Total weighted path length sum_w count_w * len_w of an optimal prefix code (Huffman's
    algorithm with a heap; every optimal code has this cost), counts clamped to >= 1."""
    import heapq
    heap = [max(int(c), 1) for c in counts]
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        cost += merged  # every leaf below the new node gets one bit longer
        heapq.heappush(heap, merged)
    return cost


def hs_loss(h, node_vectors, codes):
    """-log P(w | h) = -sum_k log s((1 - 2 c_k) h . u_k) with the exact sigmoid."""
    total = 0.0
    for u, c in zip(node_vectors, codes):
        total -= math.log(sigmoid((1 - 2 * int(c)) * float(np.dot(h, u))))
    return total


def hs_step(h, syn1hs, codes, points, alpha, sig_table):
    """One hierarchical-softmax step in word2vec.c's order on the float64 ``syn1hs`` (updated in
    place); a node whose score is outside [-MAX_EXP, MAX_EXP] is skipped. Returns the
    accumulated gradient for h."""
    neu1e = np.zeros(len(h), dtype=np.float64)
    for c, p in zip(codes, points):
        f = float(np.dot(h, syn1hs[p]))
        if f <= -MAX_EXP or f >= MAX_EXP:
            continue
        g = (1.0 - int(c) - table_sigmoid(f, sig_table)) * alpha
        neu1e += g * syn1hs[p]
        syn1hs[p] = syn1hs[p] + g * h
    return neu1e


def _train_reference_hs(tokens, syn0, syn1, hs, *, sg, window, negative, alpha, keep_threshold,
                        ns_threshold, ns_alias, sig_table, rng_state):
    paths, syn1hs = hs
    syn0 = syn0.astype(np.float64)
    syn1 = syn1.astype(np.float64)
    syn1hs = syn1hs.astype(np.float64)
    rng = ReferenceRNG(rng_state)

    def step(h, word):
        targets = _targets(rng, word, negative, ns_threshold, ns_alias) if negative else []
        codes, points = paths[word]
        neu1e = hs_step(h, syn1hs, codes, points, alpha, sig_table)
        if targets:
            neu1e = neu1e + ns_step(h, syn1, targets, alpha, sig_table)
        return neu1e

    for word, contexts in _windows(tokens, rng, window, keep_threshold):
        if sg:
            for c in contexts:
                h = syn0[c].copy()
                syn0[c] = h + step(h, word)
        elif contexts:
            h = np.mean([syn0[c] for c in contexts], axis=0)
            neu1e = step(h, word)
            for c in contexts:
                syn0[c] = syn0[c] + neu1e
    return syn0, syn1, syn1hs


# --- word classes (word2vec.c's -classes) ----------------------------------------------------------
def kmeans_classes(vectors, k, iterations=10):
    """word2vec.c's k-means loop written out word by word (float64): round-robin start, centroids
    = normalised means, each word to the centroid of largest dot product (first on ties); a class
    left empty is never chosen again."""
    x = np.asarray(vectors, dtype=np.float64)
    n, d = x.shape
    labels = [w % k for w in range(n)]
    for _ in range(iterations):
        sums = [np.zeros(d) for _ in range(k)]
        for w in range(n):
            sums[labels[w]] += x[w]
        centroids = []
        for c in range(k):
            norm = math.sqrt(float(np.dot(sums[c], sums[c])))
            centroids.append(sums[c] / norm if norm > 0 else None)
        for w in range(n):
            best, best_score = 0, -math.inf
            for c in range(k):
                if centroids[c] is None:
                    continue
                score = float(np.dot(centroids[c], x[w]))
                if score > best_score:
                    best, best_score = c, score
            labels[w] = best
    return np.array(labels)


# --- phrases (word2phrase) -------------------------------------------------------------------------
def phrase_scores(text, min_count, scoring):
    """word2phrase's counts on ``text``: words and adjacent pairs within a line, every pair's
    score (``default``: (n_ab - min_count) N / (n_a n_b); ``npmi``); non-candidates (a count
    below ``min_count``) are left out."""
    from collections import Counter
    lines = [line.split() for line in text.split("\n")]
    words = Counter(w for line in lines for w in line)
    pairs = Counter(p for line in lines for p in zip(line, line[1:]))
    n = sum(words.values())
    scores = {}
    for (a, b), n_ab in pairs.items():
        if min(n_ab, words[a], words[b]) < min_count:
            continue
        if scoring == "default":
            scores[a, b] = (n_ab - min_count) * n / (words[a] * words[b])
        else:
            p_ab = n_ab / n
            scores[a, b] = (math.log(p_ab / ((words[a] / n) * (words[b] / n))) / -math.log(p_ab)
                            if p_ab < 1 else 1.0)
    return scores, pairs


def rewrite_phrases(text, accepted, delimiter="_"):
    """Join the ``accepted`` pairs of each line greedily from the left; single spaces between
    tokens, the lines (and a final newline, or its absence) kept."""
    out = []
    for line in text.split("\n"):
        toks, res, j = line.split(), [], 0
        while j < len(toks):
            if j + 1 < len(toks) and (toks[j], toks[j + 1]) in accepted:
                res.append(toks[j] + delimiter + toks[j + 1])
                j += 2
            else:
                res.append(toks[j])
                j += 1
        out.append(" ".join(res))
    return "\n".join(out)
