"""lexicon_kind.py -- lay terms from the terminologies' hierarchy for the
lexicon import (scripts/lexicon-import.py, `make lexicon`): "a kind of
<ancestor's curated lay term>". Split out of the import to keep it short;
policy and counts in docs/entities.md ("Lay terms by hierarchy").
Standard library only; deterministic (sorted walks, no timestamps)."""
import re

from lexicon_text import clean, key_of


# ---- "a kind of": lay terms from the terminologies' hierarchy
#
# A canonical without a lay term whose Disease Ontology is_a ancestor (or
# whose ICD-10-CM code's parent code) is a curated canonical with a curated
# lay term is named "a kind of <that lay term>": "a kind of heart attack
# (inferior myocardial infarction)". The claim is the terminology's; the
# words are the curated file's. Only where the ancestor's lay term holds for
# every kind of it, which a curated gloss often does not: it may describe the
# usual case ("cystitis" -> "bladder infection": radiation cystitis is no
# infection). Hence the rules below, each from reading the generated list.

KIND_MAX_STEPS = 2        # is_a steps (DO) or code levels (ICD-10-CM) at most

# Ancestors too generic to tell a patient anything, or where walking further
# up only reaches broader groupings: never used, never walked through.
KIND_STOP_ANCESTORS = frozenset(key_of(n) for n in '''
disease
disease of anatomical entity
disease of cellular proliferation
disease of mental health
disease of metabolism
physical disorder
genetic disease
syndrome
infectious disease
disease by infectious agent
cancer
benign neoplasm
neoplasm
'''.strip().split('\n'))

# Words that make a lay term describe the usual case, not every kind: an age
# ("muscle cancer in children"), a frequency or a severity ("common
# slow-growing skin cancer", "aggressive brain cancer"), a site that only
# the usual case has ("nerve damage in the hands and feet").
KIND_NOT_CLASS_WIDE = frozenset('''child children childhood baby babies infant
infants newborn newborns teen teens young old elderly adult adults common rare
usual usually often mostly aggressive slow slow-growing fast fast-growing
serious severe mild sudden hands feet age-related'''.split())

# Ancestors whose curated lay term names the usual kind, not the class (read
# off the generated list): every kind of them would be mis-named.
#   melanoma "serious skin cancer": mucosal and eye melanomas are kinds;
#   neuropathy "nerve damage in the hands and feet": optic, cranial ones;
#   otitis externa "swimmer's ear": malignant otitis externa, otomycosis;
#   radiculopathy "pinched nerve": diabetic radiculopathy;
#   psoriasis "scaly skin patches": ICD-10-CM L40 holds psoriatic arthritis
#   and palmoplantar pustulosis; rosacea "facial redness": rhinophyma;
#   Goodpasture syndrome "antibody attack on kidney and lung": anti-GBM
#   disease of the kidney alone; primary hyperaldosteronism and uremia: the
#   Disease Ontology files ectopic Cushing syndrome and uremic neuropathy
#   under them (a cause or a feature, not a kind); coronary artery disease
#   "narrowed heart arteries": coronary artery anomaly; glaucoma "eye disease
#   with optic nerve damage": borderline glaucoma has none; endometriosis
#   "...growing outside the womb": endometriosis of the uterus, adenomyosis;
#   milk allergy "allergy to cow's milk": goat milk allergy; complement
#   deficiency "lack of ...": atypical hemolytic-uremic syndrome is
#   complement running unchecked; obsessive-compulsive disorder "OCD":
#   hoarding and excoriation disorders are related, not OCD; thalassemia
#   "inherited anemia": a trait, hereditary persistence of fetal hemoglobin;
#   varicose veins "enlarged twisted leg veins": pelvic varices; interstitial
#   lung disease "scarring lung disease": acute hypersensitivity
#   pneumonitis; heart failure "heart not pumping well": diastolic heart
#   failure (the heart pumps, but fills poorly); gastroenteritis "stomach
#   flu": campylobacteriosis is bacterial.
KIND_NOT_CLASS_WIDE_ANCESTORS = frozenset(key_of(n) for n in '''
gastroenteritis
varicose veins
interstitial lung disease
heart failure
coronary artery disease
glaucoma
endometriosis
milk allergy
complement deficiency
obsessive-compulsive disorder
thalassemia
melanoma
neuropathy
otitis externa
radiculopathy
psoriasis
rosacea
goodpasture syndrome
primary hyperaldosteronism
uremia
'''.strip().split('\n'))

# An ancestor's "cancer" only for a name that says malignant: otherwise it
# says more than the clinical term ("pancreatic serous cystic neoplasm" and
# "brain meningioma" are filed under cancers but are usually benign).
KIND_SAYS_MALIGNANT = re.compile(r'(carcinoma|sarcoma|blastoma|lymphoma|leukemia|'
                                 r'melanoma|myeloma|germinoma|mesothelioma|cancer|'
                                 r'malignant|metastatic)\b')

# Children the Disease Ontology or ICD-10-CM files under an ancestor that
# is their cause, their feature or their neighbour rather than what they
# are (read off the generated list): named "a kind of" it they would be
# mis-named. eclampsia (seizures; "high blood pressure"), benign
# hypertensive renal disease (kidney disease from high blood pressure, not
# "high blood pressure from another condition"), double outlet right
# ventricle (not a "hole between the lower heart chambers"), gastric mucosal
# hypertrophy and glomerulosclerosis (no inflammation), gastroduodenitis (no
# ulcer), hemoglobinuria (not "protein in the urine"), hemoglobinopathy (not
# all break red cells down), extragonadal seminoma (not in the testicle),
# nephrosclerosis and malignant hypertensive renal disease (like benign),
# myocardial stunning (no infarction), prothrombin deficiency (bleeds; DO
# files it under thrombophilia), meropenem allergy (DO: allergic asthma),
# transient neonatal thrombocytopenia (DO: neutropenia), thyroid hormone
# resistance syndromes (not under- or overactive thyroid), pulmonary
# interstitial emphysema (air leak, not COPD), retinal perforation (a hole,
# not a detachment), sick building syndrome (no lung scarring), stone in
# bladder diverticulum (a stone), compensatory emphysema (over-inflation,
# not COPD), conjugate gaze palsy (the eyes move together: not crossed),
# carcinoid heart syndrome (valve damage, not "flushing and diarrhea ..."),
# congenital central alveolar hypoventilation syndrome (shallow breathing,
# not "pauses in breathing during sleep"), inflammatory polyps of colon and
# left sided colitis (ICD-10-CM files them under ulcerative colitis, but the
# names do not say ulcerative: a report's left-sided colitis may be
# ischemic), ileitis, ileocolitis and jejunoileitis (DO: Crohn's disease;
# a report's may be infectious), Nelson's syndrome (after adrenalectomy:
# cortisol is not high), pseudohypoparathyroidism (the glands work; the
# body does not answer), siderosis (also iron in the brain's lining, not
# only a welder's lung), odontoclasia (tooth resorption, not decay).
KIND_NOT_A_KIND = frozenset(key_of(n) for n in '''
siderosis
odontoclasia
inflammatory polyps of colon
left sided colitis
ileitis
ileocolitis
jejunoileitis
Nelson's syndrome
pseudohypoparathyroidism
carcinoid heart syndrome
congenital central alveolar hypoventilation syndrome
compensatory emphysema
conjugate gaze palsy
nephrosclerosis
malignant hypertensive renal disease
myocardial stunning
prothrombin deficiency
meropenem allergy
transient neonatal thrombocytopenia
thyroid hormone resistance syndrome
selective pituitary thyroid hormone resistance
pulmonary interstitial emphysema
retinal perforation
sick building syndrome
stone in bladder diverticulum
eclampsia
benign hypertensive renal disease
double outlet right ventricle
gastric mucosal hypertrophy
glomerulosclerosis
gastroduodenitis
hemoglobinuria
hemoglobinopathy
extragonadal seminoma
'''.strip().split('\n'))


def kind_phrase(lay_term):
    """ "a kind of <lay term>": a leading article or "type of" is dropped
    ("a mole" -> "a kind of mole", "type of lung cancer" -> "a kind of lung
    cancer"); None when the lay term does not hold for every kind."""
    t = re.sub(r'^(an? |(a )?(type|kind|form) of )', '', lay_term.strip())
    ws = re.findall(r"[a-z'-]+", t.lower())
    if not ws or any(w in KIND_NOT_CLASS_WIDE for w in ws):
        return None
    if '(' in t or ws[0] in ('unable', 'not'):
        return None             # "a kind of unable to empty the bladder" 
    return 'a kind of ' + t


def ancestor_lay(name, child, cond_keys, canon_lay):
    """The curated lay term an ancestor's name carries for the canonical
    child, or None: the name is a curated canonical itself (a curated synonym
    may be looser: "carotid artery disease" is written for carotid artery
    stenosis, "narrowed neck artery", but dissection is a kind of the
    disease) with a curated lay term, not a stop ancestor, and its lay term
    holds for every kind of it. An "-itis" or a pneumonia (inflammation)
    whose lay term says infection names its usual cause, not the class
    ("cystitis" -> "bladder infection": radiation cystitis; "pneumonia" ->
    "lung infection": acute interstitial pneumonia). A "cancer" lay term only
    for a child whose name does not leave malignancy open."""
    k = key_of(name)
    if k in KIND_STOP_ANCESTORS or k in KIND_NOT_CLASS_WIDE_ANCESTORS \
            or k not in cond_keys or key_of(cond_keys[k]) != k:
        return None
    lt = canon_lay.get(k)
    if lt is None:
        return None
    if re.search(r'(itis|pneumonia)\b', k) and re.search(r'\binfect', lt):
        return None
    if re.search(r'\bcancer', lt) and not KIND_SAYS_MALIGNANT.search(child):
        return None
    if re.search(r'\b(acquired|secondary|induced)\b|-induced', child) and \
            re.search(r'\binherit|\bbirth\b|\bborn\b', lt):
        return None             # "acquired von Willebrand disease" is not an
                                # "inherited bleeding disorder"
    return kind_phrase(lt)


def kind_lay_terms(do_rows, titles, billable, cond_keys, canon_lay, canon_code,
                   canonicals, has_lay):
    """canonical key -> ("a kind of ...", provenance) for each canonical
    without a lay term: its Disease Ontology class's nearest is_a ancestor
    (at most KIND_MAX_STEPS steps) with a usable curated lay term; else its
    ICD-10-CM code's nearest parent code (at most KIND_MAX_STEPS levels up
    to the category) whose own title is such a curated name, never a title
    "Other ..." or one with "unspecified". Several ancestors at the same
    step: the one first in sorted order (both claims are the ontology's).
    Provenance "DOID:x is_a DOID:y" / "ICD10CM:code in ICD10CM:parent"."""
    parents, ids = {}, {}
    for r in do_rows:
        k = key_of(r[1])
        ids.setdefault(k, r[0])
        parents.setdefault(k, [p for p in r[2].split('|') if p])
    out = {}
    for ck in sorted(canonicals):
        if ck in has_lay or ck in out or ck in KIND_NOT_A_KIND:
            continue
        if ck in parents:                       # Disease Ontology is_a
            level, seen = [ck], {ck}
            for _ in range(KIND_MAX_STEPS):
                nxt = []
                for x in level:
                    for p in parents.get(x, []):
                        pk = key_of(p)
                        if pk in seen or pk in KIND_STOP_ANCESTORS:
                            continue
                        seen.add(pk)
                        nxt.append(pk)
                hits = sorted((pk, ancestor_lay(pk, ck, cond_keys, canon_lay)) for pk in nxt)
                hits = [h for h in hits if h[1]]
                if hits:
                    pk, phrase = hits[0]
                    out[ck] = (phrase, '%s is_a %s' % (ids[ck], ids.get(pk, pk)))
                    break
                level = nxt
            if ck in out:
                continue
        code = canon_code.get(ck, '')
        t = titles.get(code, '')
        if not code or re.search(r'\bunspecified\b', t, re.I) or key_of(clean(t) or '') != ck \
                or re.search(r'\bpost', ck):
            continue                # the code's whole title is the canonical
                                    # ("Unilateral post-traumatic osteoarthritis,
                                    # unspecified hip" is not a hip's), not a
                                    # sequel ("postherpetic polyneuropathy" under
                                    # zoster is not shingles)
        up = code
        for _ in range(KIND_MAX_STEPS):
            up = up[:-1].rstrip('.') if len(up) > 3 else ''
            if len(up) < 3:
                break
            t = titles.get(up, '')
            if not t or t.lower().startswith('other') or re.search(r'\bunspecified\b', t, re.I):
                break                           # never an "Other ..." or "unspecified" title
            phrase = ancestor_lay(clean(t) or '', ck, cond_keys, canon_lay)
            if phrase:
                out[ck] = (phrase, 'ICD10CM:%s in ICD10CM:%s' % (code, up))
                break
    return out
