"""The fixed-probe evaluation loss: what it computes, and that it decreases on a real corpus."""
from __future__ import annotations

import gzip

import numpy as np
import pytest

import fastw2v
import reference as ref
from fastw2v.training.evalloss import make_probe, probe_loss


def test_probe_windows_stay_inside_their_sentence():
    tokens = np.array([0, 1, 2, -1, 3, 4, 5, 6, -1, 7, -1, 8, 9], dtype=np.int32)
    sentence = {0: 0, 1: 0, 2: 0, 3: 1, 4: 1, 5: 1, 6: 1, 7: 2, 8: 3, 9: 3}
    probe = make_probe(tokens, np.full(10, 0.1), window=3, negative=2, seed=1, n_centers=500)
    assert len(probe.centers) > 0 and probe.negatives.shape == (len(probe.centers), 2)
    for c, ctx in zip(probe.centers, probe.contexts):
        assert c != 7  # a one-word sentence has no context and is left out
        for w in ctx[ctx >= 0]:
            assert sentence[int(w)] == sentence[int(c)]


@pytest.mark.parametrize("sg", [True, False])
def test_probe_loss_matches_a_brute_force_sum(sg):
    rng = np.random.default_rng(0)
    syn0 = rng.standard_normal((10, 16)).astype(np.float32) * 0.3
    syn1 = rng.standard_normal((10, 16)).astype(np.float32) * 0.3
    tokens = rng.integers(0, 10, 300).astype(np.int32)
    tokens[::37] = -1
    probe = make_probe(tokens, np.full(10, 0.1), window=2, negative=3, seed=4, n_centers=50)
    terms = []
    for c, ctx, negs in zip(probe.centers, probe.contexts, probe.negatives):
        outs = [syn1[c, :12].astype(np.float64)] + [syn1[k, :12].astype(np.float64) for k in negs]
        labels = [1] + [0] * len(negs)
        hs = [syn0[w, :12].astype(np.float64) for w in ctx[ctx >= 0]]
        if sg:
            terms += [ref.ns_loss(h, outs, labels) for h in hs]
        else:
            terms.append(ref.ns_loss(np.mean(hs, axis=0), outs, labels))
    assert probe_loss(probe, syn0, syn1, 12, sg) == pytest.approx(np.mean(terms), rel=1e-9)


@pytest.fixture(scope="module")
def real_corpus(data_dir, tmp_path_factory):
    """The first 12 MB of wiki100m (about 2M tokens of real Wikipedia text)."""
    with gzip.open(data_dir / "wiki100m.txt.gz", "rb") as fh:
        head = fh.read(12_000_000)
    p = tmp_path_factory.mktemp("real") / "wiki12m.txt"
    p.write_bytes(head[:head.rindex(b" ")])
    return p


@pytest.mark.slow
@pytest.mark.parametrize("kernel", [dict(sg=True), dict(sg=False)], ids=["skipgram", "cbow"])
def test_evaluation_loss_decreases_every_epoch_on_a_real_corpus(real_corpus, kernel):
    emb = fastw2v.train(real_corpus, dim=50, sample=1e-4, epochs=4, workers=2, seed=1,
                        progress=False, **kernel)
    losses = [e["eval_loss"] for e in emb.stats["epochs"]]
    assert all(np.isfinite(losses))
    assert all(b < a for a, b in zip(losses, losses[1:])), losses
