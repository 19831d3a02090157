#!/usr/bin/python3
"""lexicon-import.py -- generate condition lexicon rows from public terminologies.

    make lexicon                       (or)
    /usr/bin/python3 scripts/lexicon-import.py [TERMINOLOGY_DIR] [LEXICON_DIR]

Reads ../shared/terminology (ICD-10-CM FY2026 order file, FY2017 tabular
inclusion terms and alphabetic index; Human Disease Ontology; Symptom
Ontology -- see docs/entities.md for versions and licenses) and writes

    src/nlp/lexicon/conditions.gen.tsv     name canonical trait icd10 flags provenance
    src/nlp/lexicon/condition_lay.gen.tsv  canonical lay provenance

which lexgen compiles after the hand-curated conditions.tsv/condition_lay.tsv
(hand-curated rows win on any conflict). Standard library only; the output
depends only on the inputs (sorted, no timestamps), so a re-run on the same
sources is byte-identical.

Policy (precision first; see docs/entities.md "Generated vocabulary"):
  * terminology phrasing -> report phrasing: drop "unspecified", "NOS",
    "NEC", "without complication(s)", bracketed/parenthesised parts; index
    subterms are turned around ("Pneumonia > aspiration" -> "aspiration
    pneumonia") only when the subterm is one or two plain modifier words;
  * a name with an abbreviation token (two or more capitals), digits,
    or more than 5 tokens is not generated;
  * a one-word name must look medical (a medical word ending or a Symptom
    Ontology term) and must not be on STOP_WORDS;
  * a name that is any curated lexicon name (condition, anatomy, test,
    procedure, medication) is left to the curated file;
  * an ICD-10-CM code is kept only when it is a billable FY2026 code and the
    name is that code's own title or one of its inclusion terms (an exact
    mapping) -- not when cleaning cut a site after "unspecified"
    ("Hemorrhage of unspecified orbit" -> "hemorrhage": no code;
    lexicon_text.exact_title); the index's header codes and DO cross-references to more than
    one code give no code;
  * lay terms "a kind of <ancestor's curated lay term>" from the Disease
    Ontology is_a and ICD-10-CM code hierarchy: scripts/lexicon_kind.py.
"""
import csv
import gzip
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from lexicon_text import norm_ws, key_of, clean, exact_title     # noqa: E402
from lexicon_kind import kind_lay_terms             # noqa: E402
TERM = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', '..', 'shared', 'terminology')
LEX = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, '..', 'src', 'nlp', 'lexicon')

MAX_TOKENS = 5

# Single words that are common in reports (or in ordinary English) in a
# non-condition sense, or too generic to be a finding on their own. Each is
# here because it occurs in report text as something else: "discharge"
# (discharge summary), "frequency" (dosing), "failure" (treatment failure),
# "mass" (needs a site), "pressure", "congestion" ... Kept sorted.
STOP_WORDS = frozenset('''
abnormality abortion absence accident addiction adhesion afebrile agitation
alcoholism allergy anxiety arrest atrophy attack bite bleeding blister block
blockage burn calculus carrier change collapse complication compression
congestion constipation contact contracture contusion cramp crisis cyst
damage defect deformity degeneration delay dependence deposit depression
discharge discomfort disease disorder displacement distress disturbance
drainage drowsiness effusion elevation enlargement erosion exhaustion
exposure failure fatigue fever fistula fracture frequency growth hopping
hypertrophy illness immobility impaction infection inflammation injury
insufficiency intoxication lesion loss malfunction mass necrosis nodule
obstruction occlusion overdose pain palsy perforation poisoning polyp
pregnancy pressure prolapse reaction retention rupture sensitivity shock
sprain stenosis stiffness strain stress stricture swelling syndrome thirst
tiredness toxicity trauma tumor ulcer wasting weakness weariness
wheelbarrowing crinkle withdrawal wound inability instability irritability
hoarseness hesitancy urgency dribbling spasm twitching tingling numbness
itching rash redness chills sweating fainting dizziness confusion
analgesia amelia amenia alexia caseation hematogenous perspire hyperactivity
salivation shakes trembling stimming symptom sputum tenderness wobble
recumbency languid droopiness lameness esplenomegaly hyperemic anesthesia
personality pigmentation reflex symptoms ganglion worries nostalgia
overactivity hostility unhappiness lichen infestation
'''.split())

# Whole names never generated: common phrases of report boilerplate or
# ambiguous beyond a lexicon's reach.
# "breast cyst": summary-dev mts-1396 ("a history of abnormal mammogram
# ... which subsequently showed a benign breast cyst") -- the history cue is
# out of the context engine's reach, so the new name became an affirmed
# condition (a safety error). Leave it out until context reads that scope.
STOP_NAMES = frozenset('''
no disease
normal
breast cyst
benign breast cyst
'''.strip().split('\n'))

# A name starting with a result word is a lab finding: in a lab table it
# runs across lines ("... abnormal" / "Glucose ...") and steals the test.
LAB_FLAG_WORDS = frozenset('''abnormal elevated high low raised decreased
increased positive negative borderline'''.split())

MEDICAL_ENDINGS = (
    'itis', 'osis', 'oses', 'emia', 'aemia', 'oma', 'omas', 'pathy', 'algia',
    'odynia', 'plegia', 'paresis', 'rrhea', 'rrhoea', 'rrhage', 'ectasis',
    'ectasia', 'cele', 'trophy', 'megaly', 'penia', 'cytosis', 'uria', 'esthesia',
    'phasia', 'praxia', 'taxia', 'lepsy', 'ptysis', 'ptosis', 'stasis', 'spasm',
    'sclerosis', 'iasis', 'phagia', 'pnea', 'pnoea', 'cardia', 'philia', 'tonia',
    'kinesia', 'trophia', 'plasia', 'ism', 'aneurysm', 'ocele', 'oid', 'ia',
)

GENERIC_HEADS = ('other ', 'unspecified ', 'encounter ', 'personal history',
                 'family history', 'history of', 'screening', 'status ',
                 'presence of', 'observation', 'follow-up', 'supervision',
                 'counseling', 'problems related', 'contact with', 'exposure to')

NOT_CONDITION_WORDS = ('classified elsewhere', 'elsewhere classified', 'specified',
                       ' sequela', 'encounter', 'initial', 'subsequent',
                       'trimester', 'weeks of gestation', 'fetus', 'newborn',
                       'underdosing', 'poisoning by', 'adverse effect',
                       'accidental', 'assault', 'self-harm', 'legal intervention',
                       'in remission', 'affecting', 'complicating')


# Head nouns reports use in the plural ("no polyps", "no pseudoaneurysms"):
# a generated name ending in one also gets its plural (same canonical).
PLURALS = {
    'aneurysm': 'aneurysms', 'pseudoaneurysm': 'pseudoaneurysms', 'polyp': 'polyps',
    'ulcer': 'ulcers', 'cyst': 'cysts', 'nodule': 'nodules', 'lesion': 'lesions',
    'tumor': 'tumors', 'abscess': 'abscesses', 'adenoma': 'adenomas',
    'fracture': 'fractures', 'stone': 'stones', 'calculus': 'calculi',
    'thrombus': 'thrombi', 'embolus': 'emboli', 'metastasis': 'metastases',
    'hemangioma': 'hemangiomas', 'lipoma': 'lipomas', 'fibroid': 'fibroids',
    'wart': 'warts', 'papilloma': 'papillomas', 'diverticulum': 'diverticula',
    'hernia': 'hernias', 'infarct': 'infarcts', 'contusion': 'contusions',
    'laceration': 'lacerations', 'deficit': 'deficits', 'effusion': 'effusions',
    'varix': 'varices', 'vegetation': 'vegetations', 'seizure': 'seizures',
    'spasm': 'spasms', 'hemorrhage': 'hemorrhages', 'ulceration': 'ulcerations',
    'erosion': 'erosions', 'stricture': 'strictures', 'fistula': 'fistulas',
    'granuloma': 'granulomas', 'cataract': 'cataracts', 'hemorrhoid': 'hemorrhoids',
    'allergy': 'allergies', 'infiltrate': 'infiltrates', 'node': 'nodes',
    'adhesion': 'adhesions', 'mass': 'masses', 'change': 'changes',
}


def plural_of(name, one_word=False):
    """The plural of a name's head noun, or None. A one-word name only with
    one_word (the name was accepted on its own: "diverticulum"; a stop word
    like "mass" never is)."""
    words = name.split(' ')
    p = PLURALS.get(words[-1].lower())
    if p is None or (len(words) < 2 and not one_word):
        return None
    return ' '.join(words[:-1] + [p])


def gz(path):
    return gzip.open(path, 'rt', encoding='utf-8', newline='')


def acceptable(name):
    """The name may be generated at all (before collision checks)."""
    low = name.lower()
    toks = key_of(name).split(' ')
    if len(toks) > MAX_TOKENS or len(toks) == 0:
        return False
    if low in STOP_NAMES:
        return False
    if re.search(r'\d', name):
        return False
    if re.search(r'\b[A-Z]{2,}[a-z]*\b|\b[A-Z][a-z]*[A-Z]', name):
        return False              # abbreviation or acronym token
    if not re.fullmatch(r"[A-Za-z][A-Za-z' -]*[A-Za-z]", name):
        return False
    if low.startswith(GENERIC_HEADS) or any(w in ' ' + low for w in NOT_CONDITION_WORDS):
        return False
    if re.search(r'\b(due to|with|without|and|or|of other|by|from|following|type|stage|grade)\b', low):
        return False              # combinations and staging belong to attributes
    if low.split(' ')[0] in LAB_FLAG_WORDS:
        return False              # "abnormal glucose": the lab reader's job
    if ' ' not in low:
        return False              # one-word names: see one_word_ok()
    return True


def one_word_ok(word, symp_words):
    low = word.lower()
    if low in STOP_WORDS or len(low) < 6:
        return False
    if not re.fullmatch(r'[a-z]+', low):
        return False
    return low in symp_words or low.endswith(MEDICAL_ENDINGS)


def read_curated():
    keys, cond_keys, lay_canon, canon_lay = set(), {}, set(), {}
    rows_ = {}
    for fname, col in (('conditions.tsv', 0), ('anatomy.tsv', 0), ('tests.tsv', 0),
                       ('procedures.tsv', 0), ('medications.tsv', 0), ('med_classes.tsv', 0)):
        path = os.path.join(LEX, fname)
        with open(path, encoding='utf-8') as f:
            for line in f:
                if line.startswith('#') or not line.strip():
                    continue
                f_ = line.rstrip('\n').split('\t')
                keys.add(key_of(f_[col]))
                if fname == 'conditions.tsv':
                    cond_keys[key_of(f_[0])] = f_[1]
                    if len(f_) < 5 or f_[4] == '':   # not case-sensitive abbreviations
                        rows_.setdefault(key_of(f_[0]), (f_[0], f_[1], f_[2], f_[3] if len(f_) > 3 else ''))
                    keys.add(key_of(f_[1]))
    with open(os.path.join(LEX, 'condition_lay.tsv'), encoding='utf-8') as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            c, lay = line.rstrip('\n').split('\t')[:2]
            lay_canon.add(key_of(c))
            canon_lay[key_of(c)] = lay
    return keys, cond_keys, lay_canon, canon_lay, rows_


def lay_vocabulary(canon_lay):
    """Words the curated lay terms use: a lay synonym must use only these."""
    words = set()
    for lay in canon_lay.values():
        words.update(w for w in re.findall(r"[a-z']+", lay.lower()))
    return words


def main():
    if not os.path.isdir(TERM):
        print('lexicon-import: %s absent, nothing to do' % TERM, file=sys.stderr)
        return 0
    curated_keys, cond_keys, lay_canon, canon_lay, curated_rows = read_curated()
    lay_words = lay_vocabulary(canon_lay)

    # ---- ICD-10-CM FY2026 order file
    billable, titles = {}, {}
    with gz(os.path.join(TERM, 'icd10cm', 'icd10cm-order-2026.txt.gz')) as f:
        for line in f:
            line = line.rstrip('\r\n')
            code = line[6:13].strip()
            dotted = code[:3] + ('.' + code[3:] if len(code) > 3 else '')
            titles[dotted] = line[77:].strip()
            billable[dotted] = line[14] == '1'

    def icd_trait(code):
        return 'SYMPTOM' if code.startswith('R') else 'DIAGNOSIS'

    def icd_chapter_ok(code):
        return code[0] in 'ABCDEFGHIJKLMNQR'

    symp_words = set()
    with open(os.path.join(TERM, 'symp', 'symp_terms.tsv'), encoding='utf-8') as f:
        rows = list(csv.reader(f, delimiter='\t', quoting=csv.QUOTE_NONE))
    symp_rows = rows[1:]
    for r in symp_rows:
        for n in [r[1]] + [s for s in r[3].split('|') if s]:
            if ' ' not in n.strip():
                symp_words.add(n.strip().lower())

    # candidates: key -> (name, canonical, trait, icd10, provenance); first wins
    cand = {}
    lay = {}      # canonical key -> (lay, provenance)

    def offer(name, canonical, trait, code, prov, indexed=''):
        if name is None or canonical is None:
            return
        k = key_of(name)
        if ' ' not in k.strip():
            if not (one_word_ok(name, symp_words) or (indexed and index_word_ok(name, indexed))):
                return
        elif not acceptable(name):
            return
        if not acceptable(canonical) and not (' ' not in canonical and (
                one_word_ok(canonical, symp_words) or (indexed and index_word_ok(canonical, indexed)))):
            return
        if k in curated_keys or k in cand:
            return
        # a generated canonical that is a curated name maps to the curated canonical
        ck = key_of(canonical)
        if ck in cond_keys:
            canonical = cond_keys[ck]
        cand[k] = (name, canonical, trait, code, prov)

    # 1. billable titles (exact code)
    for code in sorted(titles):
        if not icd_chapter_ok(code) or not billable[code]:
            continue
        n = clean(titles[code])
        offer(n, n, icd_trait(code), code if exact_title(titles[code]) else '',
              'ICD10CM:' + code)

    # 2. tabular inclusion terms (the term is included in the code: exact)
    incl, incl_terms = {}, {}
    with gz(os.path.join(TERM, 'icd10cm', 'icd10cm_tabular_2017_terms.tsv.gz')) as f:
        for r in list(csv.reader(f, delimiter='\t', quoting=csv.QUOTE_NONE))[1:]:
            code, kind, text, inorder = r[0], r[1], r[2], r[3]
            if kind not in ('inclusionTerm', 'includes') or inorder != '1' \
                    or not icd_chapter_ok(code):
                continue
            n = clean(text)
            if n is None:
                continue
            if kind == 'includes':       # "I10 includes high blood pressure"
                incl.setdefault(code, []).append(n)
                continue
            exact = billable.get(code, False) and exact_title(text)
            offer(n, n, icd_trait(code), code if exact else '', 'ICD10CM:' + code)
            incl_terms.setdefault(code, []).append(n)

    # 3. Disease Ontology: names and exact synonyms
    doid_names = {}
    with gz(os.path.join(TERM, 'doid', 'doid_terms.tsv.gz')) as f:
        rows = list(csv.reader(f, delimiter='\t', quoting=csv.QUOTE_NONE))[1:]
    rows.sort(key=lambda r: r[0])
    # DO grouping classes ("kidney disease", "bone disease") are categories
    # that educational notes name ("High phosphorus is common in kidney
    # disease"); a class that is the parent of three or more is left out.
    nchild = {}
    for r in rows:
        for par in r[2].split('|'):
            nchild[par] = nchild.get(par, 0) + 1
    do_rows = rows
    rows = [r for r in rows if nchild.get(r[1], 0) < 3]
    for r in rows:
        did, name, syns, xicd = r[0], r[1], r[3], r[5]
        codes = [c for c in xicd.split('|') if c]
        # DO names are already lower-case report phrasing
        n = clean(name)
        if n is None:
            continue
        code = ''
        if len(codes) == 1 and billable.get(codes[0], False):
            t = clean(titles[codes[0]])
            if t is not None and key_of(t) == key_of(n) and exact_title(titles[codes[0]]):
                code = codes[0]     # the DO class is the code's own title
        doid_names[key_of(n)] = n
        offer(n, n, 'DIAGNOSIS', code, did)
        for s in sorted(x for x in syns.split('|') if x):
            offer(clean(s), n, 'DIAGNOSIS', code, did)
            cs = clean(s)
            if cs and plainly_lay(cs, lay_words):
                lay.setdefault(key_of(n), (cs, did))

    # 4. Symptom Ontology
    for r in sorted(symp_rows, key=lambda r: r[0]):
        sid, name, syns = r[0], r[1], r[3]
        n = clean(name)
        if n is None:
            continue
        offer(n, n, 'SYMPTOM', '', sid)
        for s in sorted(x for x in syns.split('|') if x):
            cs = clean(s)
            offer(cs, n, 'SYMPTOM', '', sid)
            if cs and plainly_lay(cs, lay_words):
                lay.setdefault(key_of(n), (cs, sid))

    # 5. ICD-10-CM Alphabetic Index: main terms and inverted subterms
    index_terms(offer, titles, billable, icd_trait, icd_chapter_ok)

    # lay terms from inclusion terms: a plainly lay inclusion term of a
    # billable code names that code's title in lay words (I10 -> high blood
    # pressure)
    for code in sorted(incl):
        if not billable.get(code):
            continue
        t = clean(titles.get(code, ''))
        if t is None:
            continue
        for n in incl[code]:
            if plainly_lay(n, lay_words) and key_of(n) != key_of(t):
                lay.setdefault(key_of(t), (n, 'ICD10CM:' + code))

    # lay terms named by code: an exact code whose own title is a canonical
    # (curated first) gets a plain inclusion term or index entry of that
    # code ("Nosebleed" R04.0 -> epistaxis; "Bedwetting" see Enuresis). Only
    # the title's canonical: a code's inclusion terms are often different
    # conditions filed together (R09.89: "chest tympany", "weak pulse").
    # A lay term that is itself the name of another condition is not a
    # synonym ("overweight" is not "obesity").
    def title_is(code, canonical):
        # the whole title, not one that clean() cut at "unspecified"
        # (N49.9 "Inflammatory disorder of unspecified male genital organ")
        t = titles.get(code, '')
        return re.search(r'\bunspecified\b', re.sub(r', unspecified$', '', t), re.I) is None \
            and key_of(clean(t) or '') == key_of(canonical)

    code_canon = {}
    for k in sorted(curated_rows):
        name, canonical, trait, code = curated_rows[k]
        if code and key_of(name) == key_of(canonical) and title_is(code, canonical):
            code_canon.setdefault(code, canonical)
    for k in sorted(cand):
        name, canonical, trait, code, prov = cand[k]
        if code and key_of(name) == key_of(canonical) and title_is(code, canonical):
            code_canon.setdefault(code, canonical)

    canon_code = {}
    for k in sorted(curated_rows):
        canon_code.setdefault(key_of(curated_rows[k][1]), curated_rows[k][3])
    for k in sorted(cand):
        canon_code.setdefault(key_of(cand[k][1]), cand[k][3])

    def other_condition(n, c):
        """n names a different condition than c: a one-word name of another
        canonical ("stress", "boil"), or one whose code differs from c's
        ("obesity" E66.9 for "overweight" E66.3). A broader name without a
        conflicting code stays ("pink eye" for acute contagious
        conjunctivitis). Known weak: a code's inclusion terms are sometimes
        its kinds, not synonyms ("amyloid heart" under E85.4)."""
        kn = key_of(n)
        other = cond_keys.get(kn) or (cand[kn][1] if kn in cand else None)
        if other is None or key_of(other) == key_of(c):
            return False
        if ' ' not in kn:
            return True
        a, b = canon_code.get(key_of(other), ''), canon_code.get(key_of(c), '')
        return bool(a and b and a != b)

    for n, code in [(n, c) for c in sorted(incl_terms) for n in incl_terms[c]] + \
            index_lay_names(titles):
        c = code_canon.get(code)
        if c and plainly_lay(n, lay_words, one_word=True) and key_of(n) != key_of(c) \
                and not other_condition(n, c):
            lay.setdefault(key_of(c), (n, 'ICD10CM:' + code))

    # plurals of generated names, and of curated names that lack theirs
    # ("drug allergy" -> "no known drug allergies"), same canonical and code
    for k in sorted(cand):
        name, canonical, trait, code, prov = cand[k]
        p = plural_of(name, one_word=True)
        if p and key_of(p) not in curated_keys and key_of(p) not in cand:
            cand[key_of(p)] = (p, canonical, trait, code, prov)
    for k in sorted(curated_rows):
        name, canonical, trait, code = curated_rows[k]
        p = plural_of(name) if ' with ' not in name else None
        if p and key_of(p) not in curated_keys and key_of(p) not in cand:
            cand[key_of(p)] = (p, canonical, trait, code, 'plural:conditions.tsv')

    # ---- lay terms by hierarchy: "a kind of <ancestor's lay term>"
    kinds = kind_lay_terms(do_rows, titles, billable, cond_keys, canon_lay, canon_code,
                           {key_of(v[1]) for v in cand.values()} |
                           {key_of(v[1]) for v in curated_rows.values()},
                           set(lay) | lay_canon)

    # ---- medications from the Table of Drugs and Chemicals
    write_medications(curated_keys)

    # ---- write
    canon_keys = {key_of(v[1]) for v in cand.values()}
    canon_name = {}
    for k in sorted(curated_rows):
        canon_name.setdefault(key_of(curated_rows[k][1]), curated_rows[k][1])
    out = sorted(cand.values(), key=lambda v: (key_of(v[1]), key_of(v[0]), v[0]))
    with open(os.path.join(LEX, 'conditions.gen.tsv'), 'w', encoding='utf-8', newline='\n') as f:
        f.write('# GENERATED by scripts/lexicon-import.py (make lexicon) -- do not edit;\n'
                '# curated rows in conditions.tsv win. Sources and licenses: docs/entities.md.\n')
        f.write('#name\tcanonical\ttrait\ticd10\tflags\tprovenance\n')
        for name, canonical, trait, code, prov in out:
            f.write('%s\t%s\t%s\t%s\t\t%s\n' % (name, canonical, trait, code, prov))
    nlay = 0
    with open(os.path.join(LEX, 'condition_lay.gen.tsv'), 'w', encoding='utf-8', newline='\n') as f:
        f.write('# GENERATED by scripts/lexicon-import.py (make lexicon) -- do not edit;\n'
                '# curated rows in condition_lay.tsv win. A canonical without a row has no known lay term.\n')
        f.write('#canonical\tlay\tprovenance\n')
        for ck in sorted(lay):
            if (ck not in canon_keys and ck not in canon_name) or ck in lay_canon:
                continue
            canonical = canon_name.get(ck) or next(v[1] for v in out if key_of(v[1]) == ck)
            lt, prov = lay[ck]
            if key_of(lt) == ck or other_condition(lt, canonical) \
                    or (ck, key_of(lt)) in {(key_of(c), key_of(t)) for c, t in LAY_REJECT}:
                continue
            f.write('%s\t%s\t%s\n' % (canonical, lt, prov))
            nlay += 1
        nkind = 0
        for ck in sorted(kinds):
            if (ck not in canon_keys and ck not in canon_name) or ck in lay_canon or ck in lay:
                continue
            canonical = canon_name.get(ck) or next(v[1] for v in out if key_of(v[1]) == ck)
            f.write('%s\t%s\t%s\n' % ((canonical,) + kinds[ck]))
            nkind += 1
    print('lexicon-import: %d condition rows (%d canonicals), %d lay terms '
          '(%d synonyms, %d "a kind of")'
          % (len(out), len(canon_keys), nlay + nkind, nlay, nkind), file=sys.stderr)
    return 0


# Medicines of the Table of Drugs and Chemicals whose names are everyday
# words (or name a food, a drink, a metal): a report or a letter uses them in
# another sense ("gold standard", "iron", "coffee ground emesis", "the
# lemon"). Kept sorted.
MED_STOP = frozenset('''
air blood bran coffee contac copper dial dill ether gelatin ginger glycine gold
heet hormone iron lactose lemon letter lime magnesia malt milk mustard oil
oxygen plasma pot salt savin silver soap sopor speed starch steroid sucrose
sugar talc tablets tea vinegar water wax yeast zinc
luminal gelfoam gelfilm hypochlorite
'''.split())
# (The last line was found on the summary development set: "luminal" is an
# adjective in pathology and radiology text, Gelfoam/Gelfilm are surgical
# sponges, hypochlorite a disinfectant.)

# Words that make a table entry a group of substances, not one medicine.
MED_GROUP_WORDS = frozenset('''agent agents drug drugs preparation preparations
medicament medicinal mixture compound compounds derivative derivatives product
products substance substances specified other combination combinations
antagonist antagonists vaccine toxoid serum extract solution resin acids
black'''.split())


# Categories of substances taken as recreational drugs, not medicines: a
# social history's "smokes marijuana" is not a medication list entry
# (heroin T40.1, cocaine T40.5, cannabis T40.7, LSD T40.8, other
# hallucinogens T40.9).
RECREATIONAL = ('T40.1', 'T40.5', 'T40.7', 'T40.8', 'T40.9')


def med_name(raw):
    """A table entry as a medicine name: "Heparin (sodium)" -> "heparin";
    None for a group ("Anesthetic NEC"), an inverted or numbered name."""
    t = re.sub(r'\([^)]*\)', ' ', raw)
    t = norm_ws(t).strip(' ,')
    if not t or re.search(r'\bNEC\b|\d|,', t):
        return None
    if not re.fullmatch(r"[A-Za-z][A-Za-z' -]*[A-Za-z]", t):
        return None
    ws = t.lower().split(' ')
    if len(ws) > 3 or any(w in MED_GROUP_WORDS for w in ws):
        return None
    if len(ws) == 1 and len(ws[0]) <= 4:
        return None           # "ADH", "EPO", "PAS": an abbreviation needs context
    if len(ws) == 1 and ws[0].endswith(('ant', 'ants', 'ic', 'ics', 'ive', 'ives')):
        return None           # a class word ("antidepressant", "narcotic",
                              # "sedative"): the curated classes name those
    return t.lower()


def write_medications(curated_keys):
    """medications.gen.tsv: the table's substances that are medicines --
    an entry with an adverse-effect code in T36-T50 (drugs, medicaments and
    biological substances; chemicals, poisons and venoms have no
    adverse-effect code or one in T51-T65) -- as GENERIC_NAME rows, and a
    "-see X" entry that points to such a medicine as a BRAND_NAME of X
    ("Aleve -see Naproxen"; a spelling variant is a GENERIC_NAME row whose
    generic column names X). No class (the curated classes stay the only
    ones) and no RxNorm code (none in the source). A name that is any
    curated lexicon name is left to the curated row."""
    path = os.path.join(TERM, 'icd10cm', 'icd10cm-drug-April-2025.csv.gz')
    with gzip.open(path, 'rt', encoding='latin-1', newline='') as f:
        rows = list(csv.reader(f))[2:]
    meds, sees = {}, []
    for r in rows:
        if not r or not r[0][:1].isalpha():
            continue                  # a sub-entry of the row above
        name, _, see = r[0].partition(' -see ')
        ae = r[5] if len(r) > 5 else ''
        if re.fullmatch(r'T(3[6-9]|4\d|50)\.\w+', ae) and not ae.startswith(RECREATIONAL):
            n = med_name(name)
            if n and n not in MED_STOP:
                meds.setdefault(key_of(n), (n, 'ICD10CM-drug:' + ae[:5].rstrip('X')))
        elif see and not see.startswith('also') and not any(c for c in r[1:] if c.strip()):
            sees.append((name.strip(), see.strip()))
    out = {}
    for k in sorted(meds):
        n, prov = meds[k]
        if k not in curated_keys:
            out[k] = (n, 'GENERIC_NAME', n, prov)
    for brand, target in sorted(sees):
        b, g = med_name(brand), med_name(target)
        if not b or not g or b in MED_STOP or key_of(b) in curated_keys or key_of(b) in out:
            continue
        gk = key_of(g)
        # "Fluoxetine hydrochloride": the salt's parent when that is the medicine
        if gk not in meds and ' ' in g and key_of(g.split(' ')[0]) in meds:
            g, gk = g.split(' ')[0], key_of(g.split(' ')[0])
        if gk not in meds:
            continue
        generic = meds[gk][0]
        if gk not in out and gk not in curated_keys:
            continue                  # its generic row is not written
        # a spelling variant ("Chlorprocaine" -> chloroprocaine) is the
        # generic under another name; any other name is taken as a brand
        variant = b[:5] == generic[:5]
        out[key_of(b)] = (b if variant else brand.strip().split(' (')[0],
                          'GENERIC_NAME' if variant else 'BRAND_NAME', generic,
                          'ICD10CM-drug:see ' + generic)
    with open(os.path.join(LEX, 'medications.gen.tsv'), 'w', encoding='utf-8', newline='\n') as f:
        f.write('# GENERATED by scripts/lexicon-import.py (make lexicon) -- do not edit;\n'
                '# curated rows in medications.tsv win. Source: ICD-10-CM Table of Drugs and\n'
                '# Chemicals (docs/entities.md). No class, no RxNorm code.\n')
        f.write('#name\ttype\tgeneric\tclass\trxnorm\tflags\tprovenance\n')
        for k in sorted(out, key=lambda k: (out[k][1], k)):
            n, t, g, prov = out[k]
            f.write('%s\t%s\t%s\t\t\t\t%s\n' % (n, t, g, prov))
    print('lexicon-import: %d medication rows' % len(out), file=sys.stderr)


def index_word_ok(word, code_title):
    """A one-word Alphabetic Index main term with a condition code: not a
    stop word, a plain word of six letters or more, and the code's own title
    uses the word ("Incontinence" R32 "Unspecified urinary incontinence"):
    the evidence that the word names the condition rather than a site or an
    ordinary word the index lists ("Dentition" K00.6 "Disturbances in tooth
    eruption" stays out)."""
    low = word.lower()
    return (low not in STOP_WORDS and len(low) >= 6 and re.fullmatch(r'[a-z]+', low) is not None
            and low in re.findall(r'[a-z]+', code_title.lower()))


def main_noun(title):
    """The index main term as a report noun: "Polyp, polypus" -> "polyp",
    "Paralysis, paralytic" -> "paralysis" (the part after the comma is a
    spelling variant or the adjective); "Rubeosis, iris" -> "iris rubeosis"
    (an inverted modifier); None for anything else."""
    parts = [p.strip() for p in title.split(',')]
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2 and ' ' not in parts[1]:
        a, b = parts
        if a[:4].lower() == b[:4].lower():
            return a
        if len(b.split(' ')) <= 2 and ' ' not in a:
            return b + ' ' + a.lower()
    return None


# Subterm words that are not modifiers of the main term: a subterm that
# starts with one is a relation ("with", "due to") or a site phrase.
SUB_NOT_MODIFIER = frozenset('''with without due in of on by from following
complicating affecting during after before newborn maternal fetus fetal
specified other unspecified see'''.split())


# A subterm is turned around only when it is an adjective ("aspiration" as
# in "Pneumonia > aspiration" is a noun and stays out: "Colic > abdomen"
# would give "abdomen colic", a phrase no report writes).
ADJ_ENDINGS = ('al', 'ic', 'ous', 'ary', 'ive', 'ar', 'oid', 'ed', 'ile', 'ant',
               'ent', 'ian', 'eal', 'ory')


def normal_anatomy_main(title, nemod):
    """An index main term that names normal anatomy and leaves its disease to
    the nonessential modifiers: "Foramen ovale (nonclosure) (patent)
    (persistent)", "Botalli, ductus (patent) (persistent)", "Pupillary
    membrane (persistent)". Cleaned, the name is the anatomy ("the foramen
    ovale is closed" would be a finding), so it is not generated."""
    mods = nemod.lower()
    if 'patent' in mods or 'nonclosure' in mods:
        return True
    last = title.split(',')[0].split()[-1].lower() if title.split() else ''
    return 'persistent' in mods and not re.search(
        r'(itis|osis|emia|aemia|ia|oma|pathy|algia|plegia|rrhea|ism|ever)$', last)


def index_terms(offer, titles, billable, icd_trait, icd_chapter_ok):
    """Names from the FY2017 Alphabetic Index (flattened TSV): a main term
    with a condition code ("Incontinence" R32), and a level-1 subterm of one
    modifier word turned into report order ("Pneumonia > aspiration"
    -> "aspiration pneumonia"). The canonical is the name itself; the code
    is kept only when billable and the name is that code's own title (the
    index codes a heading, not always exactly)."""
    path = os.path.join(TERM, 'icd10cm', 'icd10cm_index_2017_flat.tsv.gz')
    with gz(path) as f:
        rows = list(csv.reader(f, delimiter='\t', quoting=csv.QUOTE_NONE))[1:]
    mains = {}
    for r in rows:
        level, path_, title, code = r[0], r[1], r[2], r[4].rstrip('-')
        code = code if code in titles or code[:3] in titles else ''
        if not code or not icd_chapter_ok(code):
            continue
        exact = billable.get(code, False)
        if level == '0':
            if r[3].startswith('(-'):
                continue        # "Aldrich (-Wiskott) syndrome": an eponym's first half
            if normal_anatomy_main(title, r[3]):
                continue
            n = main_noun(title)
            if n is None:
                continue
            n = clean(n)
            if n is None:
                continue
            t = clean(titles.get(code, '')) if exact else None
            kc = code if t is not None and key_of(t) == key_of(n) else ''
            offer(n, n, icd_trait(code), kc, 'ICD10CM-index:' + code,
                  indexed=titles.get(code, ''))
        elif level == '1':
            main_title = path_.split(' > ')[0]
            m = main_noun(main_title)
            if m is None or ' ' in m or not re.fullmatch(r'[A-Za-z-]+', title):
                continue
            sub = title.strip()
            if sub.lower() in SUB_NOT_MODIFIER or not sub.lower().endswith(ADJ_ENDINGS):
                continue
            n = clean(sub.lower() + ' ' + m.lower())
            if n is None:
                continue
            t = clean(titles.get(code, '')) if exact else None
            kc = code if t is not None and key_of(t) == key_of(n) else ''
            offer(n, n, icd_trait(code), kc, 'ICD10CM-index:' + code)


def index_lay_names(titles):
    """(name, code) from the Alphabetic Index: a level-0 main term with its
    own code, and a main term that only points elsewhere ("Bedwetting" see
    "Enuresis", "Shingles" see "Herpes, zoster") with the code of the entry
    it points to. Sorted, for a reproducible first-wins."""
    path = os.path.join(TERM, 'icd10cm', 'icd10cm_index_2017_flat.tsv.gz')
    with gz(path) as f:
        rows = list(csv.reader(f, delimiter='\t', quoting=csv.QUOTE_NONE))[1:]
    where = {}
    for r in rows:
        level, path_, code = r[0], r[1], r[4].rstrip('-')
        if level not in ('0', '1') or code not in titles:
            continue
        parts = path_.split(' > ')
        m = main_noun(parts[0])
        if m:
            where.setdefault((m.lower(), parts[1].lower() if len(parts) > 1 else ''), code)
    out = []
    for r in rows:
        if r[0] != '0' or r[3].startswith('(-') or '(of)' in r[3] or r[3].endswith(' of'):
            continue            # an eponym's first half; "Carrier (suspected) of"
        title, code, see = r[2], r[4].rstrip('-'), r[6]
        if code in titles:
            out.append((title.lower(), code))
        elif see and not code:
            t = [p.strip().lower() for p in see.split(',')]
            c = where.get((t[0], t[1] if len(t) > 1 else ''))
            if c:
                out.append((title.lower(), c))
    return sorted(set(out))


# Synonym lay terms the sources give that say more or other than the
# clinical term (read off the generated list): "heart block" is one kind of
# conduction disorder; "black death" is the 14th-century pandemic, not any
# case of bubonic plague; "amyloid heart" is one organ of organ-limited
# amyloidosis (the known weak spot of inclusion terms); "shock lung" says
# the patient was in shock (ARDS has many causes); "eye weakness" is not eye
# strain (asthenopia); "old age" names an age, not the debility.
LAY_REJECT = frozenset([
    ('conduction disorder', 'heart block'),
    ('bubonic plague', 'black death'),
    ('organ-limited amyloidosis', 'amyloid heart'),
    ('adult respiratory distress syndrome', 'shock lung'),
    ('asthenopia', 'eye weakness'),
    ('age-related physical debility', 'old age'),
])


def plainly_lay(name, lay_words, one_word=False):
    """Every word is one the curated lay terms already use, none looks
    technical; two to four words, or with one_word (an index entry with its
    own code) one word of four letters or more: "nosebleed", "heartburn"."""
    ws = re.findall(r"[a-z']+", name.lower())
    if any(w in STOP_WORDS for w in ws) and len(ws) == 1:
        return False            # "stress", "allergy": too generic to name one condition
    if one_word and len(ws) == 1 and len(ws[0]) >= 4 and re.fullmatch(r'[a-z]+', name.lower()):
        pass
    elif len(ws) < 2 or len(ws) > 4 or ws[-1] in ('of', 'in', 'the', 'to') \
            or not re.fullmatch(r"[a-z' -]+", name):
        return False
    return all(w in lay_words and w not in TECHNICAL and not w.endswith(MEDICAL_ENDINGS[:-2])
               for w in ws)


# Words that make a phrase a clinician's name even when curated lay terms
# also use them ("kidney disease" is still jargon-shaped for a lay reader's
# purpose here: a lay term must add plain words, not restate the category).
TECHNICAL = frozenset('''disease disorder syndrome neoplasm lesion tumor tumour
cancer infection abnormality condition deficiency malformation anomaly urinary
renal hepatic cardiac pulmonary ulcer rheumatic complex angina trisomy tumors
complement dysfunction changes growth'''.split())


if __name__ == '__main__':
    sys.exit(main())
