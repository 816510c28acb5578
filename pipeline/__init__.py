"""cheesecake: read industry feeds, match articles to contacts, draft the message.

The package is a pipeline of stage modules (feeds, extract, contacts, relevance,
mentions, messages, digest) over plain records (`pipeline.records`), with one
module family that owns SQLite (`pipeline.store`) and a thin CLI (`pipeline.cli`).
Nothing runs at import time.
"""

__version__ = "0.1.0"
