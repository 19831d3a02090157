/* compose.c -- findings named by a body site and what is wrong with it.
 *
 * Imaging and examination reports name most findings by composition: a
 * site and a finding word ("meniscal tear", "anterior cruciate ligament
 * tear", "carotid calcification", "soft tissue swelling", "foot pain",
 * "tibial cystic change"), or the other way round ("tear of the medial
 * meniscus", "prominence of the mediastinum"). No lexicon lists them all;
 * the site and the head word are both known, so the engine composes them:
 *
 *   SITE [MODIFIER] HEAD              "carotid calcification"
 *   HEAD of|in|to [the|his|her|both] [DIRECTION] SITE    "tear of the medial meniscus",
 *                                      "cyst in the right kidney", "erythema to the epiglottis"
 *
 * SITE is an anatomy match (not a bare direction), HEAD a word of the list
 * below, MODIFIER one descriptive word ("cystic", "degenerative",
 * "partial"...). "change(s)" is a head only after a modifier ("cystic
 * change", never "no interval change"). The composed entity is a condition
 * (SIGN) with no canonical name: its text is its name (and, where the head
 * word is not plain, the head's plain words are its lay term), its context (negated,
 * uncertain...) is read as for any other mention. Only a site the lexicon
 * does not already name as a condition together with its head is composed:
 * the lexicon's longer match always wins. A head the lexicon knows as a
 * one-word condition ("erythema", "edema") is composed with the site after
 * it all the same (engine.c), so that each site keeps its own status:
 * "mild erythema of the nasopharynx ... no erythema to the epiglottis". */
#include "nlp/nlp_internal.h"

#include <string.h>
#include <strings.h>

static const char *const HEADS[] = {
    "tear", "tears", "fracture", "fractures", "swelling", "effusion", "effusions", "edema",
    "thickening", "calcification", "calcifications", "degeneration", "opacity", "opacities",
    "opacification", "prominence", "enlargement", "narrowing", "stenosis", "nodule", "nodules",
    "mass", "masses", "lesion", "lesions", "cyst", "cysts", "collection", "hemorrhage",
    "haemorrhage", "hematoma", "haematoma", "injury", "rupture", "dilatation", "dilation",
    "atrophy", "deformity", "tenderness", "consolidation", "erosion", "erosions", "ulceration",
    "displacement", "herniation", "tilt", "sprain", "strain", "contusion", "laceration", "pain",
    "infiltrate", "infiltrates", "thrombus", "occlusion", "abscess", "hypertrophy", "spur",
    "spurs", "tendinosis", "tendinopathy", "bruising", "crepitus", "instability", "subluxation",
    "dislocation", "malalignment", "wall motion abnormality", "erythema", "exudate", "exudates",
    "ulcer", "ulcers", "polyp", "polyps", "nodularity", "obstruction", "foreign body", "bruit",
    "bruits", "discoloration", "induration", "fluctuance", "necrosis", "scarring", "deviation",
    "perforation", "retraction", "injection", "stone", "stones", "sludge", "spasm", "spasms",
    "congestion", NULL,
};

/* heads only after a modifier */
static const char *const WEAK_HEADS[] = {"change", "changes", NULL};

static const char *const MODIFIERS[] = {
    "cystic", "degenerative", "partial", "complete", "focal", "diffuse", "mild", "moderate",
    "severe", "small", "large", "minimal", "chronic", "acute", "old", "new", "nondisplaced",
    "displaced", "comminuted", "stress", "inflammatory", "fibrotic", "ischemic", "postsurgical",
    "postoperative", "reactive", "fluid", "soft", "patchy", "linear", "subtle", "marked",
    "asymmetric", "loculated", "complex", "simple", "bony", "vascular", NULL,
};

static const char *const OF_FILLERS[] = {"the", "his", "her", "both", "a", NULL};

/* Token i folded to ASCII lower case into buf (32 bytes); false when it
 * is not a word or longer than any listed word. */
static bool word_at(const ms_nlp_ctx *c, size_t i, char buf[32])
{
    if (i >= c->nt || !(c->t[i].flags & MS_TF_WORD))
        return false;
    size_t n = c->t[i].e - c->t[i].b;
    if (n >= 32)
        return false;
    for (size_t k = 0; k < n; k++) {
        unsigned ch = c->s[c->t[i].b + k];
        buf[k] = (char)(ch >= 'A' && ch <= 'Z' ? ch | 0x20 : ch);
    }
    buf[n] = '\0';
    return true;
}

/* Tokens of the first phrase of list l at token i (phrases of one or more
 * words separated by single spaces), or 0. The token is folded once; a
 * phrase is compared word by word only when its first word matches. */
static size_t phrase_at(const ms_nlp_ctx *c, size_t i, const char *const *l)
{
    char first[32];
    if (!word_at(c, i, first))
        return 0;
    size_t fl = strlen(first);
    for (size_t k = 0; l[k]; k++) {
        const char *p = l[k];
        if (p[0] != first[0] || strncmp(p, first, fl) != 0 || (p[fl] && p[fl] != ' '))
            continue;
        if (!p[fl])
            return 1;
        size_t j = i + 1;
        p += fl + 1;
        for (;;) {
            const char *sp = strchr(p, ' ');
            size_t n = sp ? (size_t)(sp - p) : strlen(p);
            char w[32];
            if (!word_at(c, j, w) || strlen(w) != n || strncmp(w, p, n) != 0)
                break;
            j++;
            if (!sp)
                return j - i;
            p = sp + 1;
        }
    }
    return 0;
}

/* Do tokens i and j sit on one line, one gap apart? (a site at the end of
 * one table cell is not the subject of the next cell's word) */
static bool adjacent(const ms_nlp_ctx *c, size_t i, size_t j)
{
    if (j >= c->nt || (c->t[j].flags & (MS_TF_NL | MS_TF_SENT)))
        return false;
    size_t gap = c->t[j].b - c->t[i].e;
    return gap >= 1 && gap <= 2;
}

/* Plain words for a head whose own word is not plain, whatever the site:
 * the composed finding is shown as "pocket of pus (pelvic abscess)".
 * A head missing here ("tear", "swelling", "pain") is plain already, or
 * has no one meaning a patient could be told without its site. */
static const char *const HEAD_LAY[][2] = {
    {"fracture", "broken bone"}, {"fractures", "broken bones"},
    {"effusion", "build-up of fluid"}, {"effusions", "build-up of fluid"},
    {"edema", "swelling from fluid"}, {"calcification", "calcium deposit"},
    {"calcifications", "calcium deposits"}, {"degeneration", "wear and tear"},
    {"opacity", "hazy area on the image"}, {"opacities", "hazy areas on the image"},
    {"opacification", "hazy area on the image"}, {"stenosis", "narrowing"},
    {"nodule", "small lump"}, {"nodules", "small lumps"}, {"mass", "lump or growth"},
    {"masses", "lumps or growths"}, {"lesion", "abnormal area"},
    {"lesions", "abnormal areas"}, {"cyst", "fluid-filled sac"},
    {"cysts", "fluid-filled sacs"}, {"collection", "pocket of fluid"},
    {"hemorrhage", "bleeding"}, {"haemorrhage", "bleeding"},
    {"hematoma", "pocket of blood"}, {"haematoma", "pocket of blood"},
    {"dilatation", "widening"}, {"dilation", "widening"}, {"atrophy", "shrinking"},
    {"deformity", "change in shape"}, {"tenderness", "pain when pressed"},
    {"erosion", "area worn away"}, {"erosions", "areas worn away"},
    {"ulceration", "sore"}, {"herniation", "bulging out of place"},
    {"contusion", "bruise"}, {"laceration", "cut"},
    {"infiltrate", "hazy area on the image"}, {"infiltrates", "hazy areas on the image"},
    {"thrombus", "blood clot"}, {"occlusion", "blockage"},
    {"obstruction", "blockage"}, {"abscess", "pocket of pus"},
    {"spur", "bony growth"}, {"spurs", "bony growths"},
    {"tendinosis", "tendon damage"}, {"tendinopathy", "tendon damage"},
    {"crepitus", "crackling feeling or sound"},
    {"subluxation", "joint partly out of place"}, {"dislocation", "joint out of place"},
    {"malalignment", "bones out of line"}, {"erythema", "redness"},
    {"exudate", "fluid or pus"}, {"exudates", "fluid or pus"}, {"ulcer", "sore"},
    {"ulcers", "sores"}, {"polyp", "small growth"}, {"polyps", "small growths"},
    {"nodularity", "lumpiness"}, {"bruit", "whooshing sound of blood flow"},
    {"bruits", "whooshing sound of blood flow"}, {"induration", "hardened tissue"},
    {"necrosis", "dead tissue"}, {"hypertrophy", "enlargement"},
    {"sludge", "thick fluid"}, {"spasm", "sudden tightening"}, {"spasms", "sudden tightening"},
    {"congestion", "build-up of fluid"},
    /* composed only after a site, and the sites are the lung's ("right
     * lower lobe consolidation") */
    {"consolidation", "area of lung filled with fluid or pus"}, {"perforation", "hole"},
    {"wall motion abnormality", "part of the heart wall that does not move normally"},
};

/* The plain words for the head phrase of n tokens at token i, or NULL. */
static const char *head_lay(const ms_nlp_ctx *c, size_t i, size_t n)
{
    char w[32];
    const char *key = w;
    if (n == 3) /* the one three-word head */
        key = ms__tok_is(c, i, "wall") && ms__tok_is(c, i + 1, "motion") &&
                      ms__tok_is(c, i + 2, "abnormality")
                  ? "wall motion abnormality"
                  : NULL;
    else if (n != 1 || !word_at(c, i, w))
        key = NULL;
    for (size_t k = 0; key && k < sizeof HEAD_LAY / sizeof *HEAD_LAY; k++)
        if (strcmp(HEAD_LAY[k][0], key) == 0)
            return HEAD_LAY[k][1];
    return NULL;
}

/* Heads that are a finding only at some sites: "injection" is redness of
 * the eye or throat ("conjunctival injection"), else a procedure ("hip
 * injection"); "retraction" of a nipple, the skin, the chest wall or an
 * eardrum is a sign, elsewhere what a surgeon does ("careful soft tissue
 * retraction", "a liver retraction port"). */
static bool head_fits_site(const ms_nlp_ctx *c, size_t site_last, size_t head)
{
    static const char *const INJ_SITES[] = {
        "conjunctival", "conjunctiva", "conjunctivae", "scleral", "sclera", "ciliary",
        "pharyngeal", "pharynx", "oropharyngeal", "oropharynx", "throat", "tonsillar",
        "eye", "eyes", "tympanic", "episcleral", "limbal", NULL};
    char w[32];
    if (ms__tok_is(c, head, "injection"))
        return word_at(c, site_last, w) && phrase_at(c, site_last, INJ_SITES) == 1;
    static const char *const RETR_SITES[] = {
        "nipple", "nipples", "skin", "intercostal", "subcostal", "suprasternal", "substernal",
        "sternal", "chest", "lid", "eyelid", "tympanic", "membrane", "gingival", "areolar",
        "tm", NULL};
    if (ms__tok_is(c, head, "retraction"))
        return word_at(c, site_last, w) && phrase_at(c, site_last, RETR_SITES) == 1;
    return true;
}

size_t ms__compose_after_site(const ms_nlp_ctx *c, size_t i, size_t m)
{
    size_t j = i + m;
    if (!adjacent(c, j - 1, j))
        return 0;
    size_t h = phrase_at(c, j, HEADS);
    if (h)
        return head_fits_site(c, j - 1, j) ? m + h : 0;
    if (!phrase_at(c, j, MODIFIERS) || !adjacent(c, j, j + 1))
        return 0;
    h = phrase_at(c, j + 1, HEADS);
    if (h && !head_fits_site(c, j - 1, j + 1))
        return 0;
    if (!h)
        h = phrase_at(c, j + 1, WEAK_HEADS);
    return h ? m + 1 + h : 0;
}

/* A site ending in an adjective ("injury to the patellar cartilage",
 * "edema of the pulmonary interstitium") takes the one noun after it: 1,
 * else 0. */
static size_t adjective_noun(const ms_nlp_ctx *c, size_t last)
{
    static const char *const NOT_NOUNS[] = {
        "and", "or", "with", "but", "was", "is", "were", "are", "on", "at", "in", "of", "to",
        "from", "which", "that", "as", "by", "for", "without", NULL};
    size_t n = c->t[last].e - c->t[last].b, k = last + 1;
    const unsigned char *w = c->s + c->t[last].b;
    bool adj = n > 4 && ((strncasecmp((const char *)w + n - 2, "al", 2) == 0) ||
                         (strncasecmp((const char *)w + n - 2, "ar", 2) == 0) ||
                         (strncasecmp((const char *)w + n - 2, "ic", 2) == 0));
    if (!adj || k >= c->nt || !adjacent(c, last, k) || !(c->t[k].flags & MS_TF_WORD) ||
        (c->t[k].flags & MS_TF_DIGIT) || phrase_at(c, k, NOT_NOUNS))
        return 0;
    return 1;
}

/* The word joining a head to the site after it: "tear of the meniscus",
 * "cyst in the right kidney", "erythema to the epiglottis". */
static bool link_word(const ms_nlp_ctx *c, size_t i)
{
    return ms__tok_is(c, i, "of") || ms__tok_is(c, i, "in") || ms__tok_is(c, i, "to");
}

size_t ms__compose_before_site(const ms_nlp_ctx *c, size_t i)
{
    /* called for every word the lexicon does not know: the cheap test first
     * (heads are one word, or three: "wall motion abnormality of"); a
     * token's hash (ms_lex_tok_hash of its folded bytes) rules out most
     * words before tok_is folds them */
    const uint64_t h_of = ms_lex_tok_hash((const unsigned char *)"of", 0, 2),
                   h_in = ms_lex_tok_hash((const unsigned char *)"in", 0, 2),
                   h_to = ms_lex_tok_hash((const unsigned char *)"to", 0, 2);
#define LINK_HASH(t) ((t) == h_of || (t) == h_in || (t) == h_to)
    bool of1 = i + 1 < c->nt && LINK_HASH(c->t[i + 1].h),
         of3 = i + 3 < c->nt && LINK_HASH(c->t[i + 3].h);
#undef LINK_HASH
    if ((!of1 || !link_word(c, i + 1)) && (!of3 || !link_word(c, i + 3)))
        return 0;
    size_t h = phrase_at(c, i, HEADS);
    if (!h || !adjacent(c, i + h - 1, i + h) || !link_word(c, i + h))
        return 0;
    size_t j = i + h + 1;
    if (!adjacent(c, j - 1, j))
        return 0;
    if (phrase_at(c, j, OF_FILLERS))
        j++;
    for (int k = 0; k < 2 && j < c->nt; k++) {    /* a direction, then the site */
        if (!adjacent(c, j - 1, j))
            return 0;
        const ms_lex_entry *en = NULL;
        size_t m = ms_match_longest(c->e->lex, c->s, c->t, c->nt, j, -1, (size_t)-1, &en);
        if (!m || en->kind != MS_LEX_ANAT)
            return 0;
        if (en->type != MS_LT_DIRECTION)
            return j + m + adjective_noun(c, j + m - 1) - i;
        j += m;
    }
    return 0;
}

int ms__compose_emit(ms_nlp_ctx *c, size_t i, size_t n)
{
    const ms_tok *a = &c->t[i], *z = &c->t[i + n - 1];
    int k = ms__nlp_emit(c, a->b, z->e, a->cb, z->ce, i, i + n, MS_LEX_COND,
                         "MEDICAL_CONDITION", "DX_NAME", 0.80f);
    if (k < 0)
        return -1;
    ms_nlp_entity *x = &c->out->v[k];
    x->traits[0].name = "SIGN";
    x->traits[0].score = 0.80f;
    x->ntraits = 1;
    /* the head is first ("abscess of the pelvis", "cyst in the kidney") or last ("pelvic
     * abscess", "anterior wall motion abnormality") */
    size_t h = phrase_at(c, i, HEADS);
    if (h && link_word(c, i + h))
        x->lay = head_lay(c, i, h);
    else
        x->lay = head_lay(c, i + n - 1, 1) ? head_lay(c, i + n - 1, 1)
                 : n >= 3                 ? head_lay(c, i + n - 3, 3)
                                          : NULL;
    return 0;
}
