"""Event kind of a press mention: what the article says happened to the contact.

Owns the cue lexicons and the rule that bad news wins: any negative cue (lawsuit,
charges, layoffs, bankruptcy, death...) in the sentences around the mention or in
the headline makes the event `negative`, whatever positive cue sits beside it
("named in lawsuit", "appointed administrator in bankruptcy"), because a
congratulation on bad news costs the user the relationship. A cue word that names
a field of work rather than an event ("head of fraud prevention", "a litigation
partner", "anti-money laundering", the contact's own company "Recall Foods") is not
bad news: the people who work in fraud, security, litigation or insolvency are
exactly the contacts whose awards and promotions get written up. It reads sentences
handed to it; finding the name and the sentences is `pipeline.mentions`' job.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.event_owner import anchors, is_theirs

NEGATIVE = "negative"
AUTHORED = "authored"
COMPANY_NEWS = "company_news"
OTHER = "other"
PUBLICATION = "publication"


def _cues(*patterns: str) -> re.Pattern[str]:
    # Matched against lower-cased text: IGNORECASE makes these alternations 2-5x slower.
    return re.compile(r"\b(?:" + "|".join(patterns) + r")")


_NEGATIVE = _cues(
    r"lay(?:s|ing)? off",
    r"laid off",
    r"layoffs?\b",
    r"job cuts",
    r"cut(?:s|ting)? [\d,]+ jobs",
    r"fired\b",
    r"sacked\b",
    r"ousted\b",
    r"ouster\b",
    r"(?:resign(?:s|ed|ation)?|step(?:s|ped|ping)? down|quit(?:s)?|exit(?:s|ed)?|"
    r"depart(?:s|ed|ure)?)\b(?:[\w,'-]+ ){0,6}?"
    r"(?:amid|after|following|over|in the wake of|under pressure)\b",
    r"lawsuits?\b",
    r"su(?:ed|es|ing)\b",
    r"class[- ]action",
    r"litigation",
    r"charged with",
    r"(?:criminal|federal|fraud) charges",
    r"charges? (?:against|of)\b",
    r"fac(?:es|ed|ing) charges",
    r"indict(?:ed|ment|s)\b",
    r"arrest(?:ed|s)?\b",
    r"detained",
    r"fraud",
    r"embezzl",
    r"brib(?:e|es|ed|ery)\b",
    r"money laundering",
    r"insider trading",
    r"scandal",
    r"misconduct",
    r"harass",
    r"allegation",
    r"alleged(?:ly)?\b",
    r"accus(?:ed|es|ation)",
    r"investigation",
    r"probe[sd]?\b",
    r"convict(?:ed|ion)",
    r"sentenced",
    r"(?:pleads?|pleaded|found) (?:not )?guilty",
    r"prison\b",
    r"jail(?:ed)?\b",
    r"breach(?:es|ed)?\b",
    r"hack(?:ed|ers?)\b",
    r"ransomware",
    r"cyber[- ]?attack",
    r"data leak",
    r"bankrupt",
    r"insolven",
    r"chapter (?:7|11)\b",
    r"liquidat(?:ion|ed|or)",
    r"receivership",
    r"(?:went|goes|go|entered|enters|placed|plunged) into administration",
    r"recall(?:s|ed|ing)?\b",
    r"died\b",
    r"dies\b",
    r"death\b",
    r"obituar",
    r"passed away",
    r"funeral",
    r"killed\b",
    r"mourn",
    r"condolences",
    r"in memoriam",
    r"fined\b",
    r"penalt(?:y|ies)\b",
    r"subpoena",
    r"sanctioned",
    r"whistle-?blower",
    r"controvers",
    r"backlash",
    r"wrongdoing",
    r"cease[- ]and[- ]desist",
    r"misled\b",
    r"disgraced",
    r"suspended\b",
    r"shut(?:s|ting)? down\b",
    r"defaulted",
    r"profits? warnings?\b",
    r"collapsed?\b",
    r"crash(?:ed|es)?\b",
    r"injur(?:ed|ies|y)\b",
    r"hospitali[sz]ed",
)

# Negative cue words that also name a field of work or study.
_FIELD_WORDS = (
    r"(?:fraud|litigation|insolvency|bankruptcy|investigations?|breach(?:es)?|hacking|"
    r"hackers?|money[- ]laundering|insider[- ]trading|bribery|harassment|misconduct|"
    r"recalls?|crash|injury|whistle-?blowers?|liquidation|receivership|data[- ]leaks?|"
    r"ransomware|cyber[- ]?attacks?)"
)
_ROLES = (
    r"(?:head|director|chief|leader|lead|manager|president|vp|partner|professor|lecturer|"
    r"expert|specialist|researcher|analyst|consultant|investigator|examiner|officer|"
    r"counsel|lawyer|attorney|adviser|advisor|practitioner|authority|veteran|team|unit|"
    r"department|division|practice|group)s?"
)
# Spans where such a word is a field, blanked before the negative cues are looked for.
# A field is named without an article ("expert in insolvency"); an event gets one
# ("administrator in the bankruptcy of Tidewell" stays bad news), so a determiner
# between role and cue word keeps the cue.
_FIELD_OF_WORK = re.compile(
    r"\b(?:anti|counter)[- ]" + _FIELD_WORDS
    + r"|\b" + _FIELD_WORDS + r" (?:prevention|detection|analytics|risk|controls?|"
    r"operations|strategy|response|management|protection|insurance|research|"
    r"researchers?|test(?:ing|s)?|law|" + _ROLES + r")\b"
    + r"|\b" + _ROLES + r" (?:of|for|in|on) (?!(?:the|a|an|this|that|its|his|her|their)\b)"
    r"(?:[\w-]+ ){0,2}?" + _FIELD_WORDS + r"\b"
    # what a product or a team does: "helps shops detect fraudulent card payments"
    + r"|\b(?:detect|prevent|fight|combat|stop|spot|flag|catch|tackle|reduce)(?:s|ing)? "
    r"(?:[\w-]+ ){0,2}?(?:fraud\w*|" + _FIELD_WORDS + r")"
)  # fmt: skip

# "Recall" of a person is no product recall: picked for a team again ("recalled to
# the squad", "a recall to the national side", "wins a squad recall") or remembering
# ("recalls how ...", "recalled that ...", "she recalled the night ..."). Goods
# recalled, even "recalled to fix a fault", stay bad news.
_NOT_A_RECALL = re.compile(
    r"\brecall(?:s|ed|ing)? to (?:[\w'’-]+ ){0,3}?(?:squad|team|side|line-?up|starting|xi|"
    r"xv|colou?rs|fold|ranks|bench|front ?bench|cabinet|duty|reserves?|roster)\b"
    r"|\b(?:squad|team|side|national|international|test|call-up) recalls?\b"
    r"|\brecall(?:s|ed|ing)? (?:how|that|when|what|where|why|who|whether|being|having|"
    r"seeing|meeting|working|growing|fondly|vividly|once|the (?:day|days|time|times|moment|"
    r"night|years?)|a (?:time|day|moment|conversation)|(?:his|her|their|my|our) "
    r"(?:first|early|own|childhood|days|years|time))\b"
    r"|\b(?:he|she|i) (?:still |later |now |often )?recall(?:s|ed)?\b"
)


def _not_bad_news(lowered: str) -> str:
    """Lower-cased text with the cue words that name no bad news blanked."""
    return _NOT_A_RECALL.sub(" ", _FIELD_OF_WORK.sub(" ", lowered))


def _bad_news(lowered: str, own_phrases: Sequence[str] = ()) -> bool:
    """Whether lower-cased text holds a negative cue outside fields of work and the
    contact's own company and title."""
    if _NEGATIVE.search(lowered) is None:
        return False  # the common case: no cue word at all
    for phrase in own_phrases:
        if phrase:
            lowered = lowered.replace(phrase, " ")
    return _NEGATIVE.search(_not_bad_news(lowered)) is not None


# Words before "of the year" that make it a time, not a title ("the end of the year").
_TIME_OF_YEAR = (
    "end", "start", "beginning", "middle", "rest", "remainder", "half", "quarter",
    "part", "time", "turn", "course", "most", "day", "week", "month", "season",
)  # fmt: skip
_NOT_A_TIME_OF = "".join(rf"(?<!\b{word} )" for word in _TIME_OF_YEAR)

# What is won that is no award: business ("wins a $40 million tender", "won the bid"),
# a contest ("won 36 of his 50 matches", "won the seat", "won 3-1", "won on Tuesday"),
# or support ("won backing from the board"). An award names what was won.
_NOT_AN_AWARD = (
    r"(?! (?:[\w$€£¥.,&-]+ ){0,4}?(?:contracts?|tenders?|bids?|deals?|orders?|business|"
    r"customers?|clients?|accounts?|mandates?|match(?:es)?|games?|ties|races?|bouts?|"
    r"fights?|rounds?|sets?|frames?|legs?|points?|elections?|seats?|votes?|ballots?|"
    r"majorit(?:y|ies)|backing|support|approval|rights?)\b| \d+-\d+\b"
    # and nothing named at all: "who both won on Tuesday", "will be won or lost",
    # "may have won but he wasn't at his best", "won again", "won comfortably"
    r"| (?:or|on|but|and|again|comfortably|easily|narrowly|convincingly|handsomely)\b"
    r"|[.,;:]"
    # nor "won't", which is "will not"
    r"|['’]t\b)"
)

# An award not won (yet): in prospect ("tipped to win the prize", "favourite to take
# the award", "odds of winning", "bookmakers predict she will be named best actress",
# "a medal hope") or lost ("never won", "failed to win", "lost to", "beaten
# finalist"); nor one given out or attended ("will present an award at the
# ceremony"). From the cue to the end of its clause, blanked before award cues are
# looked for; "beat the favourite to win" is still a win.
_WIN_VERB = (
    r"(?:(?:be )?(?:named|crowned|honou?red|awarded)|win|take|scoop|claim|land|lift|"
    r"collect|clinch|bag|pick up|do well)"
)
_NOT_WON = re.compile(
    r"(?<!\bbeat the )(?<!\bbeats the )(?<!\bbeating the )"
    r"\b(?:tipped|favou?rites?|odds|chances?|hopes?|hoping|bids?|aims?|aiming|expected|"
    r"likely|predict(?:s|ed|ions?)?)\b(?: [\w'’/-]+){0,4}? (?:to|will|would|could|may|"
    r"might) " + _WIN_VERB + r"\b[^,;:]*"
    r"|\b(?:odds|chances?|hopes?|hopes?) of (?:winning|taking|landing|claiming|an?|the)\b"
    r"[^,;:]*"
    # ("n't" inside its word: "didn't win"; not "not only won" nor "didn't just
    # win", which are wins and more)
    r"|(?:\b(?:never|not|yet to|fail(?:s|ed|ing)? to|unable to|lost out on|"
    r"miss(?:ed|es|ing)? out on|lost to|beaten to)|n['’]t)\b"
    r"(?! (?:only|just|merely|simply)\b)(?: [\w'’-]+)?? "
    r"(?:won|wins|" + _WIN_VERB + r")?\b[^,;:]*"
    r"|\b(?:medal|title|award|prize|gold) (?:hopes?|hopefuls?|chances?|contenders?)\b"
    r"|\b(?:beaten|losing|defeated) (?:finalists?|nominees?)\b"
    # given out or attended by them: "will present an award", "attended the awards"
    r"|\b(?:present(?:s|ed|ing)?|hand(?:s|ed|ing)? out|bestow(?:s|ed|ing)?|giv(?:es|ing) out|"
    r"attend(?:s|ed|ing)?) (?:an?|the)\b[^,;:]*"
)

# Who is introduced is presented, not launched: a title or a pronoun ("introduced Dr
# Lena Marsh", "introduced him"), someone introduced to people ("introduced Jane Doe
# to the guests") or the subject itself ("was introduced to flood modelling"). What
# is new ("introduced a new app", "introduced its latest tool to customers") is one.
_NOT_A_PERSON = (
    r"(?! (?:dr|mr|mrs|ms|miss|mx|prof|professor|sir|dame|lord|lady|rev|him|them|me|us|you|"
    r"himself|herself|themselves|myself|ourselves|yourself|each other|one another|everyone|"
    r"everybody|to)\b| her(?: (?:to|as|at|and|with)\b|[.,;:])"
    r"| (?!(?:[\w'’-]+ )?(?:new|latest|first)\b)(?:[\w.'’-]+ ){1,3}?to (?:the |his |her |"
    r"their |its |our |fellow )?(?:guests|audience|crowd|delegates|attendees|gathering|"
    r"congregation|room|fans|members|dignitaries|family|friends|colleagues|"
    r"staff|team|board|committee|class)\b)"
)

# What is launched or released that is no product: an action ("launches his defence
# of the title", "could launch a £35m bid", "launched the careers of"), a statement,
# someone released from hospital; nor is a person's first game a launch ("her
# marathon debut", "a debut nomination"), while "her debut album" is one.
_NOT_A_LAUNCH = re.compile(
    r"\blaunch(?:es|ed|ing)? (?:(?:a|an|the|his|her|their|its|our|my) )?"
    r"(?:[\w£$€.,'’-]+ ){0,2}?(?:bids?|defen[cs]es?|attacks?|counter-attacks?|assaults?|"
    r"offensives?|appeals?|challenges?|comebacks?|fightbacks?|inquir(?:y|ies)|probes?|"
    r"reviews?|investigations?|protests?|raids?|tirades?|careers?)"
    r"(?=\s+(?:for|to|of|on|against|at|in|with|from|after|this|next|last)\b|[.,;:!?]|$)"
    r"|\breleas(?:es|ed) (?:(?:a|an|the) )?(?:[\w-]+ )?statements?\b"
    r"|\breleas(?:es|ed) (?:from|on bail)\b"
    r"|\b(?:his|her|their) (?:[\w-]+ ){0,2}?debut\b(?! (?:album|novel|book|single|record|"
    r"ep|film|collection|range|product|app|game)s?\b)"
    r"|\bdebut (?:nominations?|appearances?|seasons?|match(?:es)?|games?|goals?|starts?|"
    r"caps?|outings?|races?|wins?|victor(?:y|ies)|tests?|call-ups?)\b"
)

# A new role only wanted or tried for ("a bid to take over as leader", "the party he
# once wanted to lead") is none; how long since someone took over ("since joining the
# club", "since she took over as coach") is the background of another story. From
# the cue to the end of its clause, blanked before new-role cues are looked for.
_NOT_A_NEW_ROLE = re.compile(
    r"\b(?:bids?|attempts?|campaign|ambitions?|hopes?|hoping|race|wants?|wanted|wanting|"
    r"tipped|favou?rites?|tries|tried|trying|fail(?:s|ed)?|seeks?|sought|aims?|aimed) to "
    r"(?:take over|become|lead|head|succeed|join|be (?:named|appointed|elected))\b[^,;:]*"
    r"|\bsince (?:[\w'’-]+ ){0,2}?(?:join(?:ed|ing)|t(?:aking|ook|aken) over|"
    r"(?:being |was |were )?appointed|becom(?:ing|e)|became|promot(?:ed|ion)|"
    r"(?:his|her|their) (?:appointment|arrival|promotion))\b[^,;:]*"
    # A title won in sport is no job: "became world champion", "succeeded Kate Ross as
    # European champion", "took over as world number one".
    r"|\b(?:becom(?:es|ing|e)|became|succeed(?:s|ed|ing)?|t(?:akes|aking|ook|aken|ake) over)"
    r"\b(?: [\w'’.-]+){0,4}? (?:champions?|number one|no\.? ?1|record[- ]holders?)\b"
)

# Positive kinds in precedence order: when one sentence holds cues of two kinds,
# the earlier kind wins (a promotion announced with a quote is a new role).
_POSITIVE: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "award",
        _cues(
            r"named (?:to|on|in|among) (?:the |a |an |this year's |its )?[\w\s'&-]{0,40}list",
            r"named (?:one of|among)\b",
            # "named best director" is a prize, not an appointment
            r"named (?:as )?(?:the )?best\b",
            # a ranking, not a compliment in a profile ("one of Hollywood's most
            # bankable stars") nor one of several things ("one of the top prizes")
            r"(?:listed|ranked|voted|chosen|selected|picked|included|featured) (?:as )?"
            r"one of (?:the )?[\w\s'-]{0,30}(?:most|top|best)\b",
            # "30 Under 30", "Forty Under 40", "Thirty Under Thirty"
            r"(?:\d+|twenty|thirty|forty|fifty) under (?:\d+|twenty|thirty|forty|fifty)\b",
            r"honou?rees?\b",
            # A fellowship, before "elected" or "named" make it a new role; "fellow"
            # before a noun is a companion ("her fellow analyst"), no honour.
            r"fellowships?\b",
            r"(?:an?|as) (?:[\w-]+ ){0,2}?fellow (?:of|at|in|with)\b",
            r"fellows (?:of|at|in)\b",
            # "Innovator of the Year", but not a stretch of the calendar ("at the end
            # of the year"), which would congratulate a departure on an award.
            _NOT_A_TIME_OF + r"of the year\b",
        ),
    ),
    (
        "new_role",
        _cues(
            r"appoint(?:s|ed|ment)?\b",
            r"named (?!after\b|for\b|in\b|by\b|as (?:a )?(?:defendant|party)\b|"
            r"(?:as )?(?:the )?best\b)",
            # "Acme names Jane Doe CFO": the verb, told from the plural noun ("the
            # names of") by a role within a few words.
            r"names (?:[\w.'-]+ ){0,4}?(?:as )?(?:its |the |a )?(?:new |next |interim )?"
            r"(?:chief|ceo|cfo|cto|coo|cmo|president|chair|director|head|managing|general "
            r"counsel|vice|partner|editor|dean|principal|treasurer|secretary|executive)\b",
            r"promot(?:ed|es|ion)\b",
            # not a list, a chorus or forces joined: those are no job
            r"join(?:s|ed|ing)?\b(?! forces\b| (?:an?|the) (?:[\w-]+ )?(?:list|queue|chorus|"
            r"calls?|race|protests?|fight|campaign|celebrations?|tributes?|search|hunt|"
            r"debate|talks|exodus|rush)\b)",
            r"hired\b",
            r"hires\b",
            r"tap(?:s|ped)\b",
            r"elevated\b",
            r"elected\b",
            # succeeding someone, not "for the plan to succeed," or "succeeded in"
            r"succeed(?:s|ed|ing)?\b(?!\s*[,.;:!?)]|\s*$| (?:in|at|where|if|with|because|"
            r"and|but|or|when|only)\b)",
            r"successor\b",
            r"(?:take|takes|took|taking) over as\b",
            r"(?:new|incoming|newly appointed) (?:chief|ceo|cfo|cto|coo|president|head|chair|"
            r"director|managing|general|vice|editor|dean)",
            # not talks that "will lead to" an offer, a film that "will lead British
            # hopes", nor a team that will "head for" home
            r"(?:to|will) (?:lead|head)\b(?! (?:to|into|for|towards?|back|home)\b|"
            r" (?:[\w'’-]+ )?(?:hopes?|charge|race|rankings?|standings|table|field|pack|"
            r"tributes?|calls?|chorus|way)\b)",
            # not "it became clear", nor "became increasingly ..."
            r"(?<!\bit )(?<!\bthis )(?<!\bthat )(?<!\bwhat )(?:becomes|became|will become)\b"
            r"(?! (?:clear|apparent|evident|obvious|known|available|possible|impossible|"
            r"necessary|aware|involved|increasingly|more|less)\b)",
            r"recruited\b",
            # a manager presented, not a product: "unveil Jane Doe as their new manager"
            r"unveil(?:s|ed|ing)? (?:[\w.'’-]+ ){1,4}?as (?:its|their|the|his|her|our) "
            r"(?:new|next)\b",
        ),
    ),
    (
        "award",
        _cues(
            # but not business won ("won a $40 million contract"): that is company news;
            # nor a contest won (a match, a seat). "win" itself is a noun ("the 2-0 cup
            # win") or a prospect ("not expected to win"): nothing has been won yet.
            r"(?:wins|won)\b" + _NOT_AN_AWARD,
            r"awards?\b",
            r"awarded\b",
            r"honou?r(?:ed|s|ee)\b",
            r"prizes?\b",
            r"recogni[sz](?:ed|es|ition)\b",
            r"medal",
            r"inducted\b",
            r"hall of fame",
            r"finalists?\b",
            r"shortlist",
            r"laureate",
        ),
    ),
    (
        "funding",
        _cues(
            # money raised, not a rate, a price or a bid raised "to" or "by" an amount
            # or a percentage ("raised interest rates to 4.75%", "its dividend 10%")
            r"rais(?:es|ed|ing) (?:(?!to |by )\w+ ){0,3}?(?:[$€£¥]|funding|round|capital|"
            r"money|\d(?![\d.,]*\s?(?:%|per ?cent|percentage)))",
            r"funding\b",
            r"series [a-f]\b",
            r"(?:pre-)?seed (?:round|funding|investment)",
            r"backed by\b",
            r"(?:round|investment) (?:was )?(?:led|co-led) by\b",
            r"venture capital",
            r"valuation\b",
            r"secur(?:es|ed) (?:[$€£]|\d)",
            r"closes? (?:a )?(?:[$€£]|\d)",
        ),
    ),
    (
        "launch",
        _cues(
            r"launch(?:es|ed|ing)?\b",
            r"unveil(?:s|ed|ing)?\b",
            r"ships\b",
            r"shipped\b",
            r"releas(?:es|ed)\b",
            r"debut(?:s|ed)?\b",
            r"introduc(?:es|ed)\b" + _NOT_A_PERSON,
            r"roll(?:s|ed)? out\b",
            r"open[- ]sourc(?:es|ed)\b",
            r"announc(?:es|ed) (?:a |the |its |their )?(?:new|first)\b",
            r"(?:co-)?found(?:s|ed)\b",
        ),
    ),
    (
        PUBLICATION,
        _cues(
            r"publish(?:es|ed|ing)?\b",
            r"(?:new|latest|upcoming|forthcoming|debut) (?:book|novel|paper|report|study)\b",
            r"speak(?:s|ing)? (?:at|to|on|before)\b",
            r"spoke (?:at|to|on|before)\b",
            r"speakers?\b",
            r"keynote",
            r"panel(?:ist|s)?\b",
            r"interview(?:ed|s)?\b",
            r"podcast",
            r"op-ed",
            r"columnist",
            r"essay\b",
            r"(?:writes|wrote|authored|co-authored|author of)\b",
            r"present(?:s|ed|ing)? (?:at|her|his|their|a|the)\b",
            r"conference\b",
            r"lecture",
        ),
    ),
)
_NEW_ROLE = dict(_POSITIVE)["new_role"]
_PUBLICATION = dict(_POSITIVE)["publication"]

# A quote is a (weak) publication: only when nothing more specific is said. Every
# verb the scanner reads as the contact speaking (mention_context._REPORTING) is one,
# or a speaker who "warned" was congratulated on "your work featured".
_QUOTED = _cues(
    # not hearsay: "she is said to have been impressed"
    r"(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )(?<!\bbeen )(?<!\bbe )said\b",
    r"says\b",
    r"saying\b",
    r"told\b",
    r"according to\b",
    r"explained\b",
    r"added\b",
    r"noted\b",
    r"commented\b",
    r"warn(?:s|ed)\b",
    r"argu(?:es|ed)\b",
    r"quoted\b",
)

# Leaving a job, when no bad news comes with it (that is a negative cue above) and no
# new role (a positive cue): no congratulation, and no quote either when it is the
# company that "said" so.
_DEPARTURE = _cues(
    r"step(?:s|ped|ping)? down\b",
    r"resign(?:s|ed|ing)?\b",
    r"(?:to|will) leave\b",
    r"leav(?:es|ing)\b",
    # not "retired" or "departed": "said retired admiral Jane Doe" is a quote
    r"retir(?:es|ing|e)\b",
    r"depart(?:s|ing)?\b",
    r"quit(?:s|ting)?\b",
    r"walk(?:s|ed|ing)? out\b",
)

# How a leaver came, told as the background of the story: in a relative or time
# clause ("who joined six years ago", "two years after joining it", "when she
# joined") or as a decision of the past ("her decision to join the show"). Where they
# go next ("quits to join", "is joining", "will join") stays a new role.
_HOW_THEY_CAME = re.compile(
    r"\b(?:(?:who|since|after|before|when|once|having|had|first|originally|initially)"
    r"(?: (?!(?:is|are|will|would|to|be)\b)[\w'’-]+){0,2}? join(?:ed|ing)"
    r"|(?:decision|choice) to join)\b"
)

_COMPANY_CUES = _cues(
    r"acquir(?:es|ed|ing|er)\b",
    r"acquisition",
    r"merg(?:er|es|ed|ing)\b",
    r"partner(?:s|ship|ed)\b",
    r"earnings",
    r"revenue",
    r"profits?\b",
    r"quarter(?:ly)?\b",
    r"expan(?:ds|ded|sion)\b",
    r"deal\b",
    r"contract\b",
    r"ipo\b",
    r"goes public",
    r"shares\b",
    r"customers?\b",
)


@dataclass(frozen=True)
class EventContext:
    """The text around a contact's mentions in one article, as the scanner found it."""

    mention_sentences: Sequence[str]  # sentences naming the contact, in order
    nearby_sentences: Sequence[str] = ()  # the sentences just before and after those
    headline: str = ""
    lead: str = ""  # the first sentence of the body
    about_contact: bool = False  # named in headline or lead, or their company named
    company_named: bool = False  # the contact's company appears in the article
    authored: bool = False  # the contact wrote the article (byline or metadata)
    # The contact's company and title, lower case: their cue words are their work.
    own_phrases: Sequence[str] = ()
    named_in_front: bool = False  # the contact is named in the headline or the lead
    company_in_front: bool = False  # their company is named in the headline or the lead
    company_elsewhere: bool = False  # their company is named outside their own sentences
    # Sentences of `mention_sentences` quoting the contact ("..., said Helen Park"),
    # and those where the event is someone else's ("She will report to Oren Blake").
    speaking: Sequence[str] = ()
    beside: Sequence[str] = ()
    # ... and those naming them only in what someone else said ("Auditors said that
    # Helen Park's forecasts were too optimistic"): no quote of theirs.
    reported: Sequence[str] = ()
    # How the contact is written in the text ("Helen Park", "Park"): a new role in their
    # sentence is theirs only when said of them. Empty: any cue there counts.
    names: Sequence[str] = ()
    # The article's year (published, else fetched): an event dated to an earlier year
    # ("made his debut in 1994") is the story's history, not news to congratulate on.
    year: int | None = None


@dataclass(frozen=True)
class EventResult:
    event: str
    evidence: str  # the sentence naming the contact that says so


def negative_cue(text: str) -> str | None:
    """The first negative cue in `text`, if any ("lawsuit", "laid off"...)."""
    found = _NEGATIVE.search(_not_bad_news(text.lower()))
    return found.group() if found else None


def positive_kind(text: str) -> str | None:
    """The positive event kind the text cues, by precedence; None when it cues none."""
    return _positive(text.lower())


def quoted_only(evidence: str, headline: str = "") -> bool:
    """Whether a `publication` mention is only the contact being quoted: its sentence
    cues a quote ("said", "told") and no other event, and the headline no publication.

    The event stays `publication` (the weak kind a quote gets), but such a mention is
    drafted as "saw you quoted": congratulating someone on a publication that was a
    reporter's quote of them reads as not having looked at the article. Only a
    headline's publication cue ("publishes her first book") can be theirs: had its
    funding or award been theirs, the event would be that, not `publication`.
    """
    lowered = evidence.lower()
    said = _QUOTED.search(lowered)
    if said is None:
        return False
    # What follows the quote verb is what they said ("warned that investors could
    # stop funding ..."), not news about them; only the words before it can be. And
    # before "..., said Amara Okafor" or "..., party chair Amara Okafor said" comes
    # her quote too: only "..., she said" leaves the clause before it about her.
    before = _unquoted(lowered[: said.start()])
    speaker = _SPEAKER_AFTER_COMMA.search(before)
    if speaker and speaker.group(1).strip() not in _PRONOUNS:
        before = speaker.group(1)
    return _positive(before) is None and _PUBLICATION.search(headline.lower()) is None


_SPEAKER_AFTER_COMMA = re.compile(r",\s*((?:[\w.'’&-]+\s+){0,8})$")
_PRONOUNS = frozenset(("he", "she", "they", "i", "we", "it", "he also", "she also"))


# A year right after a cue ("debut in 1994", "became president in 2000", "published
# in 2004"), within a few words and no punctuation, or opening the sentence ("In
# 1997, she became ..."), dates that event.
_DATED_AFTER = re.compile(r"(?:[\w'’&-]+ ){0,4}?(?:in|since) ((?:19|20)\d\d)\b")
_DATED_SENTENCE = re.compile(r"\W*(?:back )?in ((?:19|20)\d\d)\b")


# What was won before is history too: the list of past winners under the story of
# this year's ("Previous winners of the award include ...", to the end of the clause),
# and what someone "previously won" or was "formerly named" (to the next comma or
# "and": "who previously led Acme, won the award" keeps today's award).
_PAST_WINNERS = re.compile(
    r"\b(?:previous|past|former|earlier|prior) (?:winners|recipients|honou?rees|laureates|"
    r"champions|medallists|medalists)\b[^;]*"
    r"|\b(?:previously|formerly)\b(?:(?! (?:and|but|now|this year)\b)[^,;])*"
)


def _positive(lowered: str, year: int | None = None) -> str | None:
    """The first kind, by precedence, with a cue in `lowered` that is not dated to a
    year before `year` (an event of the past is history, not news)."""
    lowered = _PAST_WINNERS.sub(" ", lowered)
    if year is not None:
        opening = _DATED_SENTENCE.match(lowered)
        if opening and int(opening.group(1)) < year:
            return None
    # Blanked to the same length: a cue's offset still dates it in `lowered`.
    only = {
        "award": _blank(_NOT_WON, lowered),
        "new_role": _blank(_NOT_A_NEW_ROLE, lowered),
        "launch": _blank(_NOT_A_LAUNCH, lowered),
    }
    for kind, pattern in _POSITIVE:
        for found in pattern.finditer(only.get(kind, lowered)):
            if year is None or not _dated_before(lowered, found.end(), year):
                return kind
    return None


def _blank(pattern: re.Pattern[str], text: str) -> str:
    return pattern.sub(lambda found: " " * len(found.group()), text)


def _dated_before(lowered: str, end: int, year: int) -> bool:
    dated = _DATED_AFTER.match(lowered, end + 1 if lowered[end : end + 1] == " " else end)
    return dated is not None and int(dated.group(1)) < year


def classify(context: EventContext) -> EventResult:
    """The event kind and its evidence sentence; negative wins over everything.

    What a quoted contact talks about, and an event that is someone else's ("She will
    report to Oren Blake and join the board"), say nothing about the contact: a
    threat analyst quoted on a lawsuit is quoted, not sued, and a chief executive
    whose company names a new commercial chief has no new role. A story about their
    company speaks for them (its funding, its award), but only a story naming them
    in its headline or lead gives them its new role.
    """
    sentences = list(context.mention_sentences)
    speaking, beside = set(context.speaking), set(context.beside)
    # Their own words (in quotation marks) are not news about them.
    checked = [_unquoted(s) if s in speaking else s for s in sentences]
    lowered = [s.lower() for s in checked]
    first = sentences[0] if sentences else context.headline
    around = [context.headline, *context.nearby_sentences]
    if context.about_contact:
        around.append(context.lead)
    # One search over all the sentences naming them first: most mentions have no
    # negative cue, and only then is the guilty sentence looked for.
    own = context.own_phrases
    if _bad_news("\n".join(lowered), own):
        for sentence, low in zip(sentences, lowered, strict=True):
            if _bad_news(low, own):
                return EventResult(NEGATIVE, sentence)
    # A piece the contact wrote is theirs whatever its subject ("great piece on the
    # recall"); only what it says about them, checked above, can make it bad news.
    if context.authored:
        return EventResult(AUTHORED, first)
    # Bad news around them is theirs unless they only comment on it or stand beside it
    # in a story that is not about them or their company. Speaking for the company in
    # the story ("we", "the company had informed regulators") is no comment from aside.
    bystander = bool(sentences) and all(
        s in beside or (s in speaking and not _FOR_THE_COMPANY.search(s)) for s in sentences
    )
    aside = bystander and not context.named_in_front and not context.company_elsewhere
    if not aside and _bad_news("\n".join(around).lower(), own):
        return EventResult(NEGATIVE, first)
    # In a story about them leaving, a joining told as background is how they came.
    front = f"{context.headline}\n{context.lead}".lower() if context.named_in_front else ""
    leaving = _DEPARTURE.search(front) is not None or any(
        _DEPARTURE.search(low) for s, low in zip(sentences, lowered, strict=True) if s not in beside
    )
    for sentence, low in zip(sentences, lowered, strict=True):
        if sentence in speaking or sentence in beside:
            continue
        own_role = _others_roles_blanked(low, context.names)
        kind = _positive(_as_news(own_role, leaving), context.year)
        if kind is not None:
            return EventResult(kind, sentence)
    # The headline or lead speaks for the contact only when the story is theirs: it
    # names them or their company up front. Their company named in passing further
    # down does not make "Rival unveils platform" their launch.
    # A new role up front is not theirs when every sentence naming them has them
    # beside it: succeeded, replaced ("names a successor to Helen Park").
    succeeded = bool(sentences) and all(s in beside for s in sentences)
    if context.about_contact and not aside and (context.named_in_front or context.company_in_front):
        for text in (context.headline, context.lead, *context.nearby_sentences):
            if text in beside:
                continue  # a lead that is their own sentence, where others had the event
            kind = _positive(_as_news(text.lower(), leaving), context.year)
            if kind == "new_role" and (succeeded or not context.named_in_front):
                continue
            # A new role is personal: a neighbouring sentence that neither names them
            # nor speaks of them as "she" tells someone else's ("Her teammate Lena
            # Marsh has been promoted to captain").
            if (
                kind == "new_role"
                and text not in (context.headline, context.lead)
                and not _SPEAKS_OF_THEM.match(text)
            ):
                continue
            if kind is not None:
                return EventResult(kind, first)
    for sentence, low in zip(sentences, lowered, strict=True):
        if sentence not in beside and _DEPARTURE.search(low):
            return EventResult(OTHER, sentence)
    # A quote verb in the sentence is theirs unless it comes before their name only:
    # "The winger said referee Helen Park had made the wrong call" is not her comment.
    # "According to" makes them the speaker only when it names them (then the
    # sentence is one of `speaking`): "..., according to two newspapers" is hearsay.
    reported = set(context.reported)
    for sentence, low in zip(sentences, lowered, strict=True):
        if sentence in speaking or (
            sentence not in reported and _QUOTED.search(low.replace("according to", " "))
        ):
            return EventResult(PUBLICATION, sentence)
    if context.company_named or any(_COMPANY_CUES.search(low) for low in lowered):
        return EventResult(COMPANY_NEWS, first)
    return EventResult(OTHER, first)


def _others_roles_blanked(lowered: str, names: Sequence[str]) -> str:
    """Lower-cased text with every new-role cue blanked that is not said of the
    contact ("His appointment was endorsed by Helen Park"), so what else the
    sentence says is what it tells about them."""
    if not names:
        return lowered
    spans = anchors(lowered, names)
    blanked = lowered
    for found in _NEW_ROLE.finditer(_blank(_NOT_A_NEW_ROLE, lowered)):
        if not is_theirs(lowered, found.start(), found.end(), spans):
            start, end = found.span()
            blanked = blanked[:start] + " " * (end - start) + blanked[end:]
    return blanked


def _as_news(lowered: str, leaving: bool) -> str:
    """Lower-cased text without what is background in a story about leaving."""
    return _HOW_THEY_CAME.sub(" ", lowered) if leaving else lowered


_SPEAKS_OF_THEM = re.compile(r"\W*(?:(?:but|and|now|then|there) )?(?:he|she|they)\b", re.I)
_FOR_THE_COMPANY = re.compile(
    r"\b(?:we|we're|we've|our|us|the (?:company|firm|group|bank|business|board|"
    r"organi[sz]ation))\b",
    re.I,
)
_QUOTATION = re.compile(r"\"[^\"]*\"|“[^”]*”")


def _unquoted(sentence: str) -> str:
    """The sentence without the passages in quotation marks."""
    return _QUOTATION.sub(" ", sentence)
