"""The TF-IDF and latent space: the same articles give the same model, whatever their order."""

from __future__ import annotations

import random

import numpy as np

from pipeline import textmodel
from pipeline.textmodel import Document

TOPICS = {
    "shipping": "tanker freight port container vessel cargo charter harbour crane berth",
    "metals": "gold bullion silver mine ounce refinery copper smelter ore nickel",
    "coffee": "arabica robusta roaster harvest bean espresso grower cooperative crop cup",
    "payments": "card wallet merchant checkout fraud fintech bank transfer ledger app",
    "energy": "wind turbine solar grid battery storage megawatt offshore utility power",
}
COMMON = "the market said year company prices new report week growth"


def corpus(seed: int = 7, per_topic: int = 30) -> list[Document]:
    rng = random.Random(seed)
    docs = []
    for words in TOPICS.values():
        vocabulary, common = words.split(), COMMON.split()
        for _ in range(per_topic):
            body = rng.choices(vocabulary, k=40) + rng.choices(common, k=25)
            # some words of a neighbouring topic, so the latent space has work to do
            body += rng.choices(rng.choice(list(TOPICS.values())).split(), k=6)
            rng.shuffle(body)
            docs.append(Document(title=" ".join(body[:6]), body=" ".join(body)))
    return docs


def test_the_latent_space_does_not_depend_on_the_order_of_the_articles() -> None:
    docs = corpus()
    order = list(range(len(docs)))
    random.Random(1).shuffle(order)
    first, _ = textmodel.fit(docs)
    second, _ = textmodel.fit([docs[i] for i in order])
    assert first.components.shape == second.components.shape and first.components.size
    a = first.latent(first.documents(docs))
    b = second.latent(second.documents(docs))
    # Components may flip sign or rotate within equal singular values; the similarities
    # between articles in the latent space are what scoring uses, and must agree.
    assert np.allclose(a @ a.T, b @ b.T, atol=1e-4)
