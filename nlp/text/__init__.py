"""Text: what happens to a deviation text before it becomes features.

`normalise` joins PDF line wraps and page breaks and unifies full/half-width forms; `split_cause_measure`
sets apart the restated shortfall, the stated cause and the improvement measure (`model_text` is the part the
classifier reads); `check_text` refuses what cannot be classified; `segment` cuts Chinese into words with
jieba, the domain dictionary and the stop words. Nothing here knows about models, forms or the database.
"""

from nlp.text.clean import (
    CONTENT,
    MAX_TEXT_CHARS,
    SplitText,
    check_text,
    check_unicode,
    model_text,
    normalise,
    split_cause_measure,
)
from nlp.text.words import initialize, segment

__all__ = [
    "CONTENT",
    "MAX_TEXT_CHARS",
    "SplitText",
    "check_text",
    "check_unicode",
    "initialize",
    "model_text",
    "normalise",
    "segment",
    "split_cause_measure",
]
