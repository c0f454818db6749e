"""gensim's Word2Vec parameters: which values fastw2v supports, in one place, and the callbacks.

Every gensim ``Word2Vec`` keyword is accepted. Most map onto fastw2v's engine one to one (see
:class:`fastw2v.Word2Vec`); a few select features fastw2v does not have. For those the gensim
default is accepted and anything else raises ``ValueError`` naming the parameter and what to use
instead -- all from :data:`UNSUPPORTED` and :func:`check_supported`, so that lifting one is
deleting its entry and passing the value to the engine (as was done for ``hs`` when hierarchical
softmax landed).
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Mapping, Tuple

#: parameter -> (is the value supported?, why not / what to do instead). Keys are gensim's names.
UNSUPPORTED: Dict[str, Tuple[Callable[[Any, Mapping[str, Any]], bool], str]] = {
    "cbow_mean": (lambda v, p: v in (1, True) or bool(p.get("sg")),
                  "cbow_mean=0 (CBOW with the sum of the context vectors) is not supported: "
                  "fastw2v's CBOW uses their mean (cbow_mean=1, gensim's default)"),
    "null_word": (lambda v, p: v in (0, False),
                  "null_word (a padding word for concatenated contexts) is not supported"),
    "sorted_vocab": (lambda v, p: bool(v),
                     "sorted_vocab=0 is not supported: fastw2v always sorts the vocabulary by "
                     "descending count (ties by the word), which subsampling and most_similar's "
                     "restrict_vocab rely on"),
    "shrink_windows": (lambda v, p: bool(v),
                       "shrink_windows=False (every window at full size) is not supported: each "
                       "center word's window is drawn from 1..window, as word2vec.c does"),
    "trim_rule": (lambda v, p: v is None,
                  "trim_rule (a Python function deciding which words to keep) is not supported: "
                  "filter the sentences, or use min_count / max_final_vocab"),
    "hashfxn": (lambda v, p: v is hash,
                "a custom hashfxn is not supported: fastw2v initialises the vectors from seed "
                "alone"),
}


def check_supported(params: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` for the first parameter in ``params`` whose value fastw2v does not
    support (see :data:`UNSUPPORTED`)."""
    for name, (ok, why) in UNSUPPORTED.items():
        if name in params and not ok(params[name], params):
            raise ValueError(f"{name}={params[name]!r}: {why}")


class CallbackAny2Vec:
    """Base class of training callbacks, as gensim's ``gensim.models.callbacks.CallbackAny2Vec``.

    Override any of ``on_train_begin(model)``, ``on_epoch_begin(model)``,
    ``on_epoch_end(model)``, ``on_train_end(model)``; :class:`fastw2v.Word2Vec` calls them with
    the model, whose ``wv``, ``syn1neg`` (and ``syn1`` with ``hs=1``) hold the weights of the
    epoch just trained (so a callback can evaluate or :meth:`~fastw2v.Word2Vec.save` them). gensim's per-batch hooks
    (``on_batch_begin`` / ``on_batch_end``) are never called: the engine has no Python batches.
    Subclasses of gensim's own class work the same way.
    """

    def on_epoch_begin(self, model: Any) -> None:
        pass

    def on_epoch_end(self, model: Any) -> None:
        pass

    def on_train_begin(self, model: Any) -> None:
        pass

    def on_train_end(self, model: Any) -> None:
        pass
