"""lexicon_text.py -- terminology phrasing helpers shared by the lexicon
import (scripts/lexicon-import.py) and its hierarchy rules
(scripts/lexicon_kind.py). Standard library only."""
import re


def norm_ws(s):
    return re.sub(r'\s+', ' ', s).strip()


def key_of(name):
    """Approximates lexgen's key: case-folded tokens joined by one space."""
    return ' '.join(re.findall(r"[A-Za-z0-9]+|[^A-Za-z0-9\s]", name.lower()))


def clean(title):
    """Terminology phrasing -> report phrasing; None if not usable."""
    t = re.sub(r'\[[^\]]*\]', ' ', title)
    t = re.sub(r'\([^)]*\)', ' ', t)
    t = norm_ws(t)
    t = re.sub(r',? (unspecified|NOS|NEC)\b.*$', '', t)
    t = re.sub(r',? without (complications?|mention of .*)$', '', t)
    t = re.sub(r',? not elsewhere classified$', '', t)
    t = t.strip(' ,;:.')
    t = re.sub(r' (of|in|at|to|the|with|and|or|site|region)$', '', t)
    if not t or ',' in t or ';' in t or '/' in t:
        return None
    # lower-case the first word (a title's capital), not a name (Crohn's)
    words = t.split(' ')
    if re.fullmatch(r'[A-Z][a-z-]+', words[0]):
        words[0] = words[0].lower()
    return ' '.join(words)
