"""A small hand-written news corpus where the right match is obvious to a person.

Fictional companies and people; each article is a few sentences of ordinary news
prose. Keys name the story so tests can say which article they expect.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from pipeline.records import NewArticle
from pipeline.store import Store

ARTICLES: dict[str, tuple[str, str]] = {
    "battery": (
        "Startup opens plant to recover lithium from old EV batteries",
        "Voltcycle, a battery recycling startup based in Nevada, opened a plant that "
        "recovers lithium, nickel and cobalt from spent electric vehicle batteries. "
        "The company says its hydrometallurgical process reclaims 95 percent of the "
        "metals in each battery pack. Carmakers are under pressure to cut their reliance "
        "on newly mined materials, and battery recycling capacity in North America is "
        "expected to triple by 2030. Voltcycle signed supply deals with two battery "
        "makers that will buy the recovered material.",
    ),
    "battery2": (
        "Recycled cathode material wins over cell makers",
        "Cell manufacturers are increasingly buying cathode material made from recycled "
        "battery scrap, according to an industry survey. Recovered lithium and cobalt "
        "now account for a growing share of supply as recycling plants scale up. "
        "Analysts say the economics of battery recycling improved as collection networks "
        "for used packs matured.",
    ),
    "football": (
        "Late winner sends Riverside into the cup semi-final",
        "Riverside United reached the cup semi-final after a stoppage-time header from "
        "their captain beat Hillford 2-1 on Saturday. The home side had trailed at half "
        "time but the manager's substitutions changed the game. The striker scored his "
        "tenth goal of the season before the winner, and the crowd of 40,000 stayed long "
        "after the final whistle. The semi-final draw takes place on Monday.",
    ),
    "football2": (
        "Hillford manager faces questions after fourth defeat",
        "Hillford's manager said he still had the backing of the board after a fourth "
        "straight defeat left the club in the relegation zone. The side conceded twice "
        "in the last ten minutes again, and supporters booed the players off the pitch. "
        "The club plays its next league match away at Stanmore.",
    ),
    "bullion": (
        "Gold climbs to a record as silver follows",
        "Gold rose to a record high on Tuesday and silver gained more than two percent "
        "as investors sought safety from a weaker dollar. Bullion dealers in London "
        "reported strong buying of bars and coins, while holdings in exchange-traded "
        "funds backed by gold rose for a sixth week. Platinum and palladium were little "
        "changed. Traders said central bank purchases of gold remained a support.",
    ),
    "metals": (
        "Precious metals funds draw record inflows",
        "Funds investing in precious metals drew record inflows last quarter as gold and "
        "silver prices rose. Advisers said clients wanted a hedge against inflation, and "
        "several wealth managers raised their recommended allocation to precious metals. "
        "Mining shares lagged the metals themselves.",
    ),
    "iphone": (
        "Apple's iPhone sales beat forecasts in the holiday quarter",
        "Apple reported iPhone sales of 71 billion dollars in the holiday quarter, ahead "
        "of analyst forecasts, as demand for its newest smartphone models held up in "
        "China and Europe. The company said services revenue also reached a record. "
        "Apple shares rose four percent in after-hours trading as investors welcomed "
        "the smartphone sales figures.",
    ),
    "iphone2": (
        "Smartphone shipments slow as upgrade cycles lengthen",
        "Global smartphone shipments fell three percent in the quarter as consumers kept "
        "their handsets longer, a market research firm said. Apple held its share of the "
        "premium segment while Android makers cut prices. Analysts expect the next iPhone "
        "models and cheaper handsets in emerging markets to lift sales next year.",
    ),
    "orchard": (
        "Orchards expect a bumper apple harvest after a mild spring",
        "Fruit growers in the valley expect their biggest apple harvest in a decade after "
        "a mild spring and few late frosts. Orchard owners are hiring extra pickers for "
        "the autumn, and cider makers say they will buy the surplus. Prices for dessert "
        "apples at the farm gate are likely to fall as supply rises.",
    ),
    "orchard2": (
        "Cider makers turn to heritage apple varieties",
        "Small cider makers are planting heritage apple trees in old orchards, betting that "
        "drinkers will pay more for traditional varieties. Growers say the trees take "
        "years to crop but fetch premium prices at farm shops.",
    ),
    "shipping": (
        "Tanker rates jump as vessels avoid the canal",
        "Freight rates for crude oil tankers jumped this week as shipping companies "
        "routed vessels around the cape instead of through the canal, adding ten days to "
        "voyages between the Gulf and Europe. Port congestion in Rotterdam worsened and "
        "container lines warned of delays. Shipowners said insurance premiums for the "
        "route had doubled.",
    ),
    "coffee": (
        "Arabica prices rise as dry weather hits growers",
        "Arabica coffee futures rose to a two-year high as dry weather in the growing "
        "regions threatened the next crop. Roasters said they would raise retail prices "
        "for beans later this year. Exporters reported slower sales as farmers held back "
        "stocks in the hope of higher prices.",
    ),
    "rates": (
        "Central bank holds interest rates and signals cuts later",
        "The central bank kept its benchmark interest rate unchanged on Thursday but "
        "signalled that cuts could come later in the year as inflation eases. The "
        "governor said wage growth remained too strong for an immediate move. Bond "
        "yields fell after the decision and the currency weakened.",
    ),
    "ev_sales": (
        "Electric car sales in China hit a monthly record",
        "Sales of electric cars in China reached a monthly record in March as price cuts "
        "by local carmakers drew buyers into showrooms. Dealers said discounts of up to "
        "fifteen percent were common, and analysts expect the sales war to squeeze "
        "margins. Exports of Chinese electric vehicles to Europe also rose.",
    ),
    "ev_sales2": (
        "Carmakers cut prices to revive electric vehicle sales",
        "Several carmakers cut prices on their electric models to revive flagging sales "
        "in Europe and China. Dealers reported more showroom visits after the discounts. "
        "Analysts warned that the price war would hurt profits across the industry.",
    ),
}


def store_article(
    store: Store, key: str, title: str, text: str, *, at: datetime, site: str = "news.example.com"
) -> int:
    """Store one extracted article at https://SITE/KEY, published and fetched `at`."""
    url = f"https://{site}/{key}"
    article = NewArticle(
        url=url, canonical_url=url, title=title, text=text, extracted=True, published=at
    )
    article_id, _ = store.add_article(article, fetched_at=at)
    return article_id


def store_articles(
    store: Store,
    articles: Mapping[str, tuple[str, str]],
    *,
    now: datetime,
    site: str = "news.example.com",
) -> None:
    """Store every (title, text) by key, the first an hour before `now`, each next
    an hour older (so their order is the order of recency)."""
    for n, (key, (title, text)) in enumerate(articles.items()):
        store_article(store, key, title, text, at=now - timedelta(hours=n + 1), site=site)
