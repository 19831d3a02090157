"""lexicon_text.py -- terminology phrasing helpers shared by the lexicon
import (scripts/lexicon-import.py) and its hierarchy rules
(scripts/lexicon_kind.py). Standard library only."""
import re


def norm_ws(s):
    return re.sub(r'\s+', ' ', s).strip()


def key_of(name):
    """Approximates lexgen's key: case-folded tokens joined by one space."""
    return ' '.join(re.findall(r"[A-Za-z0-9]+|[^A-Za-z0-9\s]", name.lower()))


# What a title may leave unsaid after "unspecified" and still name the same
# thing: laterality, the trimester, the organism or the type. A body site
# is not one of them: "Staphylococcal arthritis, unspecified hip" cut to
# "staphylococcal arthritis" is no longer the hip's code, nor is
# "Hemorrhage of unspecified orbit" cut to "hemorrhage" the orbit's.
UNSAID_OK = frozenset('eye ear eyelid side site sites joint joints part trimester organism type '
                      'cause laterality uncomplicated morphologic changes'.split())


def exact_title(title):
    """True when clean(title) still means exactly what the title (and its
    code) means: nothing cut, or only ", unspecified"/"NOS"/"NEC" at the
    end, or "unspecified" followed by words of UNSAID_OK or words the
    name before it already says."""
    t = norm_ws(re.sub(r'\([^)]*\)', ' ', re.sub(r'\[[^\]]*\]', ' ', title)))
    m = re.search(r',? (unspecified|NOS|NEC)\b(.*)$', t)
    if not m:
        return True
    name = t[:m.start()].lower()
    for w in re.findall(r'[a-z]+', m.group(2).lower()):
        # a word the name already says ("Acquired clawfoot, unspecified
        # foot"), laterality and the like, or a joining word
        if w not in UNSAID_OK and w not in ('unspecified', 'and', 'of', 'the', 'as', 'to') \
                and w not in name:
            return False
    return True


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
