/* engine.c -- the local clinical entity engine: tokenise, look up the
 * compiled lexicon (longest match, no overlaps), find attributes, add PHI
 * and time expressions (phi.c), sections and ConText traits (sections.c,
 * context.c). The result as DetectEntitiesV2 JSON: result_json.c.
 *
 * Entity scores (deterministic): a lexicon match scores 0.95 when the text
 * is written exactly as the lexicon writes it (or the entry is
 * case-sensitive), 0.90 when only letter case differs, and 0.75 when only
 * case differs and the entry is an abbreviation of at most three
 * characters ("cbc" for "CBC"). Attribute scores: see attrs.c.
 *
 * A short all-capitals condition abbreviation is dropped where the context
 * says it is something else: half of a glued compound ("LC-MS/MS"), a
 * method or accreditation ("CAP accredited"), a code, a credential ("Jane
 * Roe, MD, DM"), the posterior descending artery ("RCA/PDA"); see
 * abbrev_out_of_context. */
#include "nlp/nlp.h"
#include "nlp/context.h"
#include "nlp/nlp_internal.h"
#include "nlp/phi.h"
#include "nlp/sections.h"

#include <stdlib.h>
#include <string.h>

ms_nlp_engine *ms_nlp_engine_new(void)
{
    ms_nlp_engine *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->lex = &ms_lex_main;
    e->vocab = ms_lex_index_build(ms__attr_vocab, ms__attr_vocab_n);
    if (!e->vocab) { free(e); return NULL; }
    return e;
}

void ms_nlp_engine_free(ms_nlp_engine *e)
{
    if (!e) return;
    ms_lex_index_free(e->vocab);
    free(e);
}

void ms_nlp_result_free(ms_nlp_result *r)
{
    if (!r) return;
    ms_nlp_scratch *sc = r->scratch;
    if (sc) {
        free(sc->tk.v);
        free(sc->sp);
        free(sc);
    }
    free(r->v);
    for (void *b = r->arena; b;) {
        void *next = *(void **)b;
        free(b);
        b = next;
    }
    memset(r, 0, sizeof *r);
}

static const char *const lt_names[] = {
    [MS_LT_GENERIC_NAME] = "GENERIC_NAME", [MS_LT_BRAND_NAME] = "BRAND_NAME",
    [MS_LT_TEST_NAME] = "TEST_NAME", [MS_LT_DIAGNOSIS] = "DIAGNOSIS",
    [MS_LT_SIGN] = "SIGN", [MS_LT_SYMPTOM] = "SYMPTOM",
    [MS_LT_PROCEDURE_NAME] = "PROCEDURE_NAME",
    [MS_LT_TREATMENT_NAME] = "TREATMENT_NAME",
    [MS_LT_SYSTEM_ORGAN_SITE] = "SYSTEM_ORGAN_SITE", [MS_LT_DIRECTION] = "DIRECTION",
};

static float lex_score(const ms_nlp_ctx *c, size_t i, const ms_lex_entry *en)
{
    if (en->cs) return 0.95f;
    /* exact spelling? compare the tokens with the surface form */
    const unsigned char *k = (const unsigned char *)en->surface;
    bool exact = true;
    for (size_t j = 0; j < en->ntok && exact; j++) {
        if (j) k++;
        MS_LEX_FOLD_EACH(c->s, c->t[i + j].b, c->t[i + j].e, 0,
                         (exact = exact && *k == _c, k += exact ? 1 : 0));
    }
    if (exact) return 0.95f;
    return strlen(en->key) <= 3 ? 0.75f : 0.90f;
}

static int emit_lex(ms_nlp_ctx *c, size_t i, size_t m, const ms_lex_entry *en)
{
    const char *cat, *type = lt_names[en->type];
    switch (en->kind) {
    case MS_LEX_MED: cat = "MEDICATION"; break;
    case MS_LEX_COND: cat = "MEDICAL_CONDITION"; type = "DX_NAME"; break;
    case MS_LEX_ANAT: cat = "ANATOMY"; break;
    default: cat = "TEST_TREATMENT_PROCEDURE"; break;
    }
    const ms_tok *a = &c->t[i], *z = &c->t[i + m - 1];
    int k = ms__nlp_emit(c, a->b, z->e, a->cb, z->ce, i, i + m, en->kind, cat, type,
                        lex_score(c, i, en));
    if (k < 0) return -1;
    ms_nlp_entity *x = &c->out->v[k];
    if (en->kind == MS_LEX_COND) {
        x->traits[0].name = lt_names[en->type];
        x->traits[0].score = 0.90f;
        x->ntraits = 1;
        if (en->neg) {   /* "afebrile", "nontender": the word itself says no */
            x->traits[1].name = "NEGATION";
            x->traits[1].score = 0.90f;
            x->ntraits = 2;
            x->negated_form = true;
        }
    }
    x->canonical = en->canonical;
    x->lay = en->lay;
    x->med_class = en->med_class;
    x->code = en->code;
    if (en->code)
        x->code_system = en->kind == MS_LEX_MED ? "RxNorm"
                         : en->kind == MS_LEX_COND ? "ICD-10-CM" : NULL;
    if (!x->code_system) x->code = NULL;
    x->unit = en->unit;
    x->has_range = en->has_range;
    x->range_low = en->low;
    x->range_high = en->high;
    return 0;
}

/* "Acute pancreatitis" is a lexicon row of its own (it has its own code),
 * but the service reports the acuity as an ACUITY attribute of
 * "pancreatitis". When a condition match starts with an acuity word and the
 * rest is a condition of its own, emit the rest, keeping what the lexicon
 * knows about the whole phrase; attrs.c then links the acuity word. Returns
 * true when it did (false on no split, or out of memory: then the caller
 * emits the whole phrase). */
static bool split_acuity(ms_nlp_ctx *c, size_t i, size_t m, const ms_lex_entry *full)
{
    const ms_lex_entry *ac = NULL, *rest = NULL;
    size_t a = ms_match_longest(c->e->vocab, c->s, c->t, c->nt, i, MS_AV_ACUITY,
                                (size_t)-1, &ac);
    if (!a || a >= m)
        return false;
    size_t r = ms_match_longest(c->e->lex, c->s, c->t, c->nt, i + a, -1, (size_t)-1, &rest);
    if (r != m - a || rest->kind != MS_LEX_COND)
        return false;
    if (emit_lex(c, i + a, r, rest) < 0)
        return false;
    ms_nlp_entity *x = &c->out->v[c->out->n - 1];
    x->canonical = full->canonical;
    if (full->lay)
        x->lay = full->lay;
    x->code = full->code;
    x->code_system = full->code ? "ICD-10-CM" : NULL;
    return true;
}

/* ---- abbreviations out of clinical context ---------------------------- */

/* Token i folded to lower case without dots into buf (at most n-1 bytes);
 * false if it is not a word or too long. */
static bool tok_word(const ms_nlp_ctx *c, size_t i, char *buf, size_t n)
{
    if (i >= c->nt || !(c->t[i].flags & MS_TF_WORD)) return false;
    size_t k = 0;
    for (size_t b = c->t[i].b; b < c->t[i].e; b++) {
        unsigned ch = c->s[b];
        if (ch == '.') continue;
        if (k + 1 >= n) return false;
        buf[k++] = (char)(ch >= 'A' && ch <= 'Z' ? ch | 0x20 : ch);
    }
    buf[k] = 0;
    return k > 0;
}

static bool word_in(const char *w, const char *const *l, size_t n)
{
    /* the first byte first: most calls ask about a word in none of them */
    for (size_t k = 0; k < n; k++)
        if (w[0] == l[k][0] && strcmp(w, l[k]) == 0) return true;
    return false;
}

/* "Cervical carcinoma in situ", "squamous cell carcinoma in situ": a
 * cancer name the lexicon knows, then "in situ", which the lexicon does
 * not know with that name. Without this the longer match stops before
 * "in situ" and the patient reads "cervical carcinoma" -- a cancer --
 * for cells that have not spread. Returns the tokens of "in situ" (2) or
 * 0. */
static size_t in_situ_after(const ms_nlp_ctx *c, size_t i, size_t m, const ms_lex_entry *en)
{
    static const char *const HEADS[] = {"carcinoma", "cancer", "melanoma", "adenocarcinoma",
                                        "neoplasia", "neoplasm", "ca"};
    char w[24];
    size_t k = i + m;
    if (en->kind != MS_LEX_COND || k + 1 >= c->nt || !tok_word(c, i + m - 1, w, sizeof w) ||
        !word_in(w, HEADS, sizeof HEADS / sizeof *HEADS))
        return 0;
    char a[8], b[8];
    if ((c->t[k].flags & MS_TF_NL) || (c->t[k + 1].flags & MS_TF_NL) ||
        !tok_word(c, k, a, sizeof a) || !tok_word(c, k + 1, b, sizeof b) ||
        strcmp(a, "in") != 0 || strcmp(b, "situ") != 0)
        return 0;
    return 2;
}

static int emit_in_situ(ms_nlp_ctx *c, size_t i, size_t n, const ms_lex_entry *en)
{
    if (emit_lex(c, i, n, en) < 0)
        return -1;
    ms_nlp_entity *x = &c->out->v[c->out->n - 1];
    char w[24];
    bool mel = tok_word(c, i + n - 3, w, sizeof w) && strcmp(w, "melanoma") == 0;
    /* no canonical: its text is its name (the site's cancer name is not
     * it, and two of them in one report are two findings) */
    x->canonical = NULL;
    x->lay = mel ? "melanoma cells only in the top layer of the skin"
                 : "abnormal cells that have not spread beyond where they started";
    x->code = NULL;
    x->code_system = NULL;
    return 0;
}

/* Is token i one joiner ('-', '/', a Unicode hyphen or dash) glued to
 * words on both sides: "LC-MS/MS", "CKD‐EPI", "RCA/PDA"? */
static bool glued_joiner(const ms_nlp_ctx *c, size_t i)
{
    if (i == 0 || i + 1 >= c->nt) return false;
    const ms_tok *t = &c->t[i];
    if (t->flags & MS_TF_WORD) return false;
    if (c->t[i - 1].e != t->b || c->t[i + 1].b != t->e) return false;
    if (!(c->t[i - 1].flags & MS_TF_WORD) || !(c->t[i + 1].flags & MS_TF_WORD))
        return false;
    unsigned ch = c->s[t->b];
    if (ch == '-' || ch == '/') return true;
    return ch == 0xE2 && t->e - t->b == 3 && c->s[t->b + 1] == 0x80 &&
           c->s[t->b + 2] >= 0x90 && c->s[t->b + 2] <= 0x95;
}

/* Is token k (a compound's other half) a condition abbreviation of its
 * own ("HTN/DM")? */
static bool cond_abbrev_at(const ms_nlp_ctx *c, size_t k)
{
    const ms_lex_entry *o = NULL;
    size_t m = ms_match_longest(c->e->lex, c->s, c->t, c->nt, k, -1, (size_t)-1, &o);
    return m == 1 && o->kind == MS_LEX_COND;
}

/* Degrees and fellowships that are not conditions themselves (DM and MS
 * are both, so they never count as the neighbour that proves a list of
 * credentials). */
static const char *const DEGREES[] = {
    "md", "do", "phd", "mbbs", "mbchb", "frcp", "frcpc", "frcs", "facp",
    "facc", "fcap", "mrcp", "dnb", "mch", "msc", "bsc", "rn", "np", "mph",
    "mba", "frcpath", "mphil", "faap", "fccp", "fasn", "dabp", "fascp",
    "dch", "aprn", "dnp", "pharmd", "dds", "dmd", "facs", "faha", "fesc",
    "frcr", "mrcs", "mrcog", "frcog", "facog", "mrcgp", "frcpe", "frcpi",
    "frace", "fracp", "mrcpath", "dabr", "fcps", "dipl"};

/* Words after an abbreviation that make it a name, method or code rather
 * than a condition: "CAP accredited", "CKD-EPI equation", "MS method". */
static const char *const NONCLIN_HEAD[] = {
    "accredited", "accreditation", "accredit", "certified", "certification",
    "certificate", "equation", "formula", "method", "methods", "methodology",
    "assay", "program", "programme", "number", "code", "codes", "protocol",
    "proficiency", "inspection", "survey", "standards", "standard",
    "guideline", "guidelines", "approved", "laboratory", "lab", "id", "kit",
    "catalog", "catalogue", "item", "product", "license", "licensed",
    "licence", "member", "membership", "checklist", "inspected", "no",
    "analyzer", "analyser", "platform", "instrument", "technique", "calc",
    /* a heart chamber on an echo: "RA size is mildly enlarged", "RA
     * pressure" (right atrium, not rheumatoid arthritis) */
    "size", "pressure", "pressures", "volume", "dilation", "dilatation", "enlargement",
    "calculation", "calculated"};

/* Coronary-artery context words: "PDA" there is the posterior descending
 * artery, not a patent ductus arteriosus. */
static const char *const CORONARY[] = {
    "rca", "lad", "lcx", "circumflex", "coronary", "descending", "artery",
    "arteries", "branch", "branches", "dominant", "dominance", "diagonal",
    "obtuse", "marginal", "posterolateral", "plb", "ramus", "om", "stent",
    "stented", "vessel", "vessels", "angiography", "angiogram",
    "catheterization", "cath", "graft", "svg", "lima", "pci", "ptca"};

/* Instruments and implants named after a condition word: "bipolar
 * cautery", "bipolar hemiarthroplasty", "a 50 mm bipolar cup". */
static const char *const DEVICE_HEAD[] = {
    "cautery", "electrocautery", "cup", "hemiarthroplasty", "arthroplasty",
    "prosthesis", "forceps", "sealer", "scissors", "coagulation",
    "coagulator", "diathermy", "electrode", "electrodes", "lead", "leads",
    "pacing", "head", "stem", "component", "implant", "device"};

/* Instruments a surgeon names "bipolar" among: "opened with bipolar and
 * microscissors". */
static const char *const INSTRUMENTS[] = {
    "scissors", "microscissors", "forceps", "suction", "cautery", "electrocautery",
    "coagulation", "coagulated", "cauterized", "dissector", "dissection", "hemostasis",
    "irrigation", "bovie", "retractor", "scalpel", "knife"};

/* Is the one-token condition at token i the modifier of an instrument or
 * implant ("bipolar cautery"), or "bipolar" named among instruments (an
 * instrument word within 4 tokens, in its sentence)? */
static bool device_modifier(const ms_nlp_ctx *c, size_t i, const ms_lex_entry *en)
{
    char w[24];
    if (en->kind == MS_LEX_COND && en->ntok == 1 && tok_word(c, i, w, sizeof w) &&
        strcmp(w, "bipolar") == 0) {
        size_t lo = i > 4 ? i - 4 : 0, hi = i + 5 < c->nt ? i + 5 : c->nt;
        for (size_t k = lo; k < hi; k++) {
            if (k > i && (c->t[k].flags & MS_TF_SENT))
                break;
            if (k != i && tok_word(c, k, w, sizeof w) &&
                word_in(w, INSTRUMENTS, sizeof INSTRUMENTS / sizeof *INSTRUMENTS))
                return true;
        }
    }
    if (en->kind != MS_LEX_COND || en->ntok != 1 || i + 1 >= c->nt ||
        (c->t[i + 1].flags & MS_TF_NL))
        return false;
    return tok_word(c, i + 1, w, sizeof w) &&
           word_in(w, DEVICE_HEAD, sizeof DEVICE_HEAD / sizeof *DEVICE_HEAD);
}

/* A condition named by the space it is in ("carpal tunnel" for carpal
 * tunnel syndrome) is the space itself after "the": "repaired proximal to
 * the carpal tunnel", "the contents of the carpal tunnel". */
static bool names_the_site(const ms_nlp_ctx *c, size_t i, size_t m, const ms_lex_entry *en)
{
    char w[24];
    if (en->kind != MS_LEX_COND || m < 2 || i == 0 || !tok_word(c, i + m - 1, w, sizeof w) ||
        strcmp(w, "tunnel") != 0)
        return false;
    return tok_word(c, i - 1, w, sizeof w) && strcmp(w, "the") == 0;
}

/* One-word condition names that are everyday or dosing words unless their
 * sentence says what they are about: "frequency" is urinary frequency only
 * with a urinary cue ("denies dysuria or frequency", "GU: no frequency,
 * urgency"), never alone ("dosing frequency", "the frequency of visits");
 * "alcohol" is alcohol use only with a habit cue ("denies alcohol, tobacco
 * or drug use"), never as a skin prep ("prepped with alcohol"). A cue is a
 * word of the same sentence (at most GATE_SPAN tokens either side). */
#define GATE_SPAN 24
static const char *const URINARY_CUE[] = {
    "urgency", "dysuria", "nocturia", "hematuria", "hesitancy", "urination",
    "urinary", "urinate", "voiding", "incontinence", "retention", "gu",
    "genitourinary", "polyuria", "micturition"};
static const char *const HABIT_CUE[] = {
    "use", "uses", "abuse", "intake", "consumption", "drinks", "drinking",
    "drinker", "tobacco", "smoking", "smokes", "smoker", "cigarettes", "drug",
    "drugs", "illicit", "etoh", "socially", "beer", "wine", "liquor"};
/* "consolidation" is a lung finding only with a chest word ("no focal
 * consolidation", "consolidation in the right lower lobe"), never as a
 * phase of treatment ("consolidation chemotherapy"). */
static const char *const LUNG_CUE[] = {
    "lung", "lungs", "lobe", "lobes", "pulmonary", "airspace", "chest", "effusion",
    "effusions", "pneumothorax", "pneumonia", "focal", "basilar", "bibasilar", "basal",
    "opacity", "opacities", "infiltrate", "infiltrates", "atelectasis", "lingula",
    "perihilar", "radiograph", "x-ray", "xray", "cxr", "lobar", "segmental"};
/* "flushed" is a sign only with a word about how the patient looks or
 * feels ("her face was flushed", "appears flushed and diaphoretic"), never
 * said of a line ("the sheath was flushed"). */
static const char *const FLUSH_CUE[] = {
    "face", "facial", "cheeks", "skin", "appears", "appeared", "appearing", "looks", "looked",
    "feels", "felt", "feeling", "hot", "warm", "diaphoretic", "sweaty", "red", "episodes",
    "complains", "complained", "reports", "patient", "she", "he"};
/* "radiation" alone is radiation therapy only with a word about cancer
 * care ("completed chemotherapy and radiation", "radiation to the breast
 * for carcinoma"), never the spread of a pain ("no radiation", "pain
 * with radiation to the left arm"). */
static const char *const THERAPY_CUE[] = {
    "therapy", "treatment", "treatments", "treated", "oncology", "oncologist", "chemotherapy",
    "chemo", "chemoradiation", "received", "receiving", "underwent", "completed", "gy", "cgy",
    "cycles", "fractions", "course", "courses", "beam", "cancer", "carcinoma", "lymphoma",
    "tumor", "tumour", "malignancy", "metastatic", "mastectomy", "lumpectomy", "resection",
    "brachytherapy", "exposure"};
/* "distension" alone is the patient's with a word of a body part or of
 * how it is felt or seen; otherwise it is what the operator did ("the
 * inflow valve was opened to achieve appropriate distension"). */
static const char *const DISTENSION_CUE[] = {
    "abdomen", "abdominal", "belly", "bowel", "loops", "loop", "gaseous", "gas", "bladder",
    "stomach", "gastric", "colon", "colonic", "jugular", "venous", "mild", "moderate", "severe",
    "marked", "significant", "complains", "complained", "reports", "noted", "nausea",
    "vomiting", "pain", "bloating", "no", "without"};
enum { GATED_FLUSHED = 1 };
static const struct { const char *word; const char *const *cue; size_t ncue; } GATED[] = {
    {"radiation", THERAPY_CUE, sizeof THERAPY_CUE / sizeof *THERAPY_CUE},
    [GATED_FLUSHED] = {"flushed", FLUSH_CUE, sizeof FLUSH_CUE / sizeof *FLUSH_CUE},
    {"frequency", URINARY_CUE, sizeof URINARY_CUE / sizeof *URINARY_CUE},
    {"alcohol", HABIT_CUE, sizeof HABIT_CUE / sizeof *HABIT_CUE},
    {"consolidation", LUNG_CUE, sizeof LUNG_CUE / sizeof *LUNG_CUE},
    {"distension", DISTENSION_CUE, sizeof DISTENSION_CUE / sizeof *DISTENSION_CUE},
    {"distention", DISTENSION_CUE, sizeof DISTENSION_CUE / sizeof *DISTENSION_CUE},
};

/* Is the one-token condition at token i a word in its physical sense?
 * "the depression of the anterior table", "depression of the ST segment",
 * "examined with scleral depression", "a skull depression": a dent or a
 * manoeuvre, not the mood disorder, which is never "of" something; and
 * "the nucleus was fractured into quadrants": cataract surgery. */
static bool physical_sense(const ms_nlp_ctx *c, size_t i, const ms_lex_entry *en)
{
    static const char *const BEFORE[] = {"scleral", "skull", "st", "bony", "cortical"};
    char w[24];
    if (en->kind != MS_LEX_COND || en->ntok != 1 || !tok_word(c, i, w, sizeof w))
        return false;
    if (strcmp(w, "fractured") == 0 || strcmp(w, "fracture") == 0) {
        /* cataract surgery splits the lens on purpose: "the nucleus was
         * fractured into quadrants" */
        static const char *const LENS[] = {"nucleus", "nuclear", "lens", "cataract"};
        for (size_t k = i; k-- > 0 && i - k <= 4 && !(c->t[k + 1].flags & MS_TF_SENT);)
            if (tok_word(c, k, w, sizeof w) && word_in(w, LENS, sizeof LENS / sizeof *LENS))
                return true;
        return false;
    }
    if (strcmp(w, "depression") != 0)
        return false;
    if (i > 0 && !(c->t[i].flags & (MS_TF_NL | MS_TF_SENT)) && tok_word(c, i - 1, w, sizeof w) &&
        word_in(w, BEFORE, sizeof BEFORE / sizeof *BEFORE))
        return true;
    return i + 1 < c->nt && !(c->t[i + 1].flags & (MS_TF_NL | MS_TF_SENT)) &&
           tok_word(c, i + 1, w, sizeof w) && strcmp(w, "of") == 0;
}

/* Is the one-token condition (or procedure) at token i a gated word
 * without its cue? */
static bool lacks_cue(const ms_nlp_ctx *c, size_t i, const ms_lex_entry *en)
{
    char w[24];
    if ((en->kind != MS_LEX_COND && en->kind != MS_LEX_PROC) || en->ntok != 1 ||
        !tok_word(c, i, w, sizeof w))
        return false;
    for (size_t g = 0; g < sizeof GATED / sizeof *GATED; g++) {
        if (strcmp(w, GATED[g].word) != 0) continue;
        /* "the ports were flushed with saline": the nurse's, always */
        if (g == GATED_FLUSHED && i + 1 < c->nt && tok_word(c, i + 1, w, sizeof w) &&
            strcmp(w, "with") == 0)
            return true;
        size_t lo = i, hi = i + 1;
        while (lo > 0 && i - lo < GATE_SPAN && !(c->t[lo].flags & MS_TF_SENT)) lo--;
        while (hi < c->nt && hi - i < GATE_SPAN && !(c->t[hi].flags & MS_TF_SENT)) hi++;
        for (size_t k = lo; k < hi; k++)
            if (k != i && tok_word(c, k, w, sizeof w) && word_in(w, GATED[g].cue, GATED[g].ncue))
                return false;
        return true;
    }
    return false;
}

/* Words after a condition's name that make it the name of a test or a
 * vaccine: "Hepatitis serology", "HIV antibody", "influenza vaccine",
 * "a tetanus shot", "Lyme titer". A test ordered or named is not a finding about the
 * patient (its result, when the report gives one, is read as a test). */
static const char *const TEST_HEAD[] = {
    "serology", "serologies", "antibody", "antibodies", "antigen", "antigens",
    "titer", "titers", "titre", "titres", "screen", "screening", "panel",
    /* "No hepatitis panels" says no test was done, not "no hepatitis";
     * "strep test", "pregnancy test" */
    "panels", "screens", "test", "tests",
    /* a surgical technique named after it: "nuclear fracture technique";
     * a rating scale or examination: "Mattis Dementia Rating Scale",
     * "Multilingual Aphasia Examination"; advice about it: "we discussed
     * weight loss options" */
    "technique", "techniques", "scale", "scales", "rating", "examination",
    "options", "counseling", "counselling",
    "pcr", "naat", "vaccine", "vaccines", "vaccination", "immunization",
    "immunisation", "booster", "boosters", "shot", "shots", "toxoid", "immunity",
    "igg", "igm", "assay", "swab",
    /* a stain or marker named after what it detects: "melanoma marker
     * HMB-45", "tumor markers", "lymphoma stains", "MRSA culture" */
    "marker", "markers", "stain", "stains", "staining", "immunostain", "immunostains",
    "culture", "cultures",
    /* a medicine named after its use: "discharged with pain medications"
     * says nothing of pain now (a condition treated is named as such
     * elsewhere in the report) */
    "medication", "medications", "meds", "medicine", "medicines",
    /* lab-report abbreviations: "Hepatitis C Ab", "HBs Ag", "HIV-1 RNA" */
    "ab", "abs", "ag", "rna", "dna", "genotype",
    /* a nursing order named after it: "DVT precautions were in place",
     * "DVT prophylaxis was initiated" */
    "precautions", "prophylaxis",
    /* a rate is about patients in general: "decreasing the DVT, PE rates" */
    "rates", "incidence",
    /* a form about it: "benign prostatic hypertrophy questionnaire" */
    "questionnaire", "questionnaires", "survey", "inventory"};

/* Heads that also end a list of names: "HIV, HTLV-1, Lyme, EBV and CMV
 * serological titers were negative", "VDRL and HIV testing". Plural or
 * mass nouns only, so "diabetes, hypertension and a hepatitis C antibody"
 * keeps its first conditions. */
static const char *const LIST_TEST_HEAD[] = {
    "serology", "serologies", "serological", "serologic", "antibodies", "antigens",
    "titers", "titres", "testing", "tests", "screens", "panels", "pcrs", "rates"};

#define TEST_LIST_TOKENS 24 /* tokens a list of names may span to its head */
#define TEST_ITEM_TOKENS 4  /* tokens per name in such a list ("HTLV-1") */

/* Is the condition matched at tokens [i, i + m) the name of a test? Its
 * next word is a test head ("Lyme titer", "HIV testing"), or it is an item
 * of a list of names ("X, Y and Z") that ends in a list head, on one line
 * and in one sentence. */
/* A medicine measured in the blood is a test: "digoxin level", "B12 and
 * folate levels", "vancomycin trough" (the medicine itself, when the
 * patient takes it, is named elsewhere). */
static const char *const MED_LEVEL_HEAD[] = {"level", "levels", "concentration",
                                             "concentrations", "assay", "assays", "trough",
                                             "troughs"};
static const char *const MED_LIST_HEAD[] = {"levels", "concentrations", "assays", "troughs"};

static bool test_name(const ms_nlp_ctx *c, size_t i, size_t m, const ms_lex_entry *en)
{
    char w[24];
    size_t k = i + m;
    if ((en->kind != MS_LEX_COND && en->kind != MS_LEX_MED) || k >= c->nt ||
        (c->t[k].flags & MS_TF_NL))
        return false;
    bool med = en->kind == MS_LEX_MED;
    const char *const *list_head = med ? MED_LIST_HEAD : LIST_TEST_HEAD;
    size_t nlist = med ? sizeof MED_LIST_HEAD / sizeof *MED_LIST_HEAD
                       : sizeof LIST_TEST_HEAD / sizeof *LIST_TEST_HEAD;
    if (med && tok_word(c, k, w, sizeof w) &&
        word_in(w, MED_LEVEL_HEAD, sizeof MED_LEVEL_HEAD / sizeof *MED_LEVEL_HEAD))
        return true;
    /* "GC and chlamydia was sent", "HIV was ordered": a sample sent */
    static const char *const SENT[] = {"sent", "ordered", "drawn", "pending"};
    char w2[24];
    if (!med && k + 1 < c->nt && !(c->t[k + 1].flags & MS_TF_NL) && tok_word(c, k, w, sizeof w) &&
        (strcmp(w, "was") == 0 || strcmp(w, "were") == 0 || strcmp(w, "is") == 0 ||
         strcmp(w, "are") == 0) &&
        tok_word(c, k + 1, w2, sizeof w2) && word_in(w2, SENT, sizeof SENT / sizeof *SENT))
        return true;
    if (!med && tok_word(c, k, w, sizeof w) &&
        (word_in(w, TEST_HEAD, sizeof TEST_HEAD / sizeof *TEST_HEAD) ||
         strcmp(w, "testing") == 0 || strcmp(w, "serological") == 0 ||
         strcmp(w, "serologic") == 0))
        return true;
    /* "HIV status", "figure out hepatitis status": an infection's test
     * answer, "tetanus status" a vaccine's -- but "CAD status post CABG", "his frail status" are the
     * patient's */
    static const char *const SEROSTATUS[] = {
        "hiv", "hepatitis", "hcv", "hbv", "covid", "covid-19", "hpv", "gbs", "mrsa", "tb",
        "tuberculosis", "syphilis", "chlamydia", "gonorrhea", "herpes", "rubella", "varicella",
        "strep",
        /* a vaccine's: "TETANUS STATUS: Up-to-date" */
        "tetanus", "pertussis", "measles", "mumps", "influenza", "pneumococcal", "polio"};
    if (!med && tok_word(c, k, w, sizeof w) && strcmp(w, "status") == 0 &&
        tok_word(c, i, w, sizeof w) && word_in(w, SEROSTATUS, sizeof SEROSTATUS / sizeof *SEROSTATUS)) {
        size_t n2 = k + 1;
        while (n2 < c->nt && !(c->t[n2].flags & MS_TF_WORD) && !(c->t[n2].flags & MS_TF_NL))
            n2++;   /* "status-post", "status / post" */
        return !(n2 < c->nt && tok_word(c, n2, w, sizeof w) && strcmp(w, "post") == 0);
    }
    size_t item = 0;
    bool sep = false;
    for (size_t j = k; j < c->nt && j - k < TEST_LIST_TOKENS; j++) {
        const ms_tok *t = &c->t[j];
        if (t->flags & (MS_TF_NL | MS_TF_SENT))
            return false;
        bool comma = !(t->flags & MS_TF_WORD) && c->s[t->b] == ',';
        bool conj = tok_word(c, j, w, sizeof w) && (strcmp(w, "and") == 0 || strcmp(w, "or") == 0);
        if (comma || conj) {
            sep = true;
            item = 0;
            continue;
        }
        if (sep && item > 0 && (t->flags & MS_TF_WORD) && tok_word(c, j, w, sizeof w) &&
            word_in(w, list_head, nlist))
            return true;
        if (!sep || ++item > TEST_ITEM_TOKENS)
            return false;
    }
    return false;
}

/* Token k is a word of two or more capitals and nothing else. */
static bool caps_word(const ms_nlp_ctx *c, size_t k)
{
    const ms_tok *t = &c->t[k];
    if (!(t->flags & MS_TF_WORD) || t->e - t->b < 2) return false;
    for (size_t b = t->b; b < t->e; b++)
        if (c->s[b] < 'A' || c->s[b] > 'Z') return false;
    return true;
}

/* Should a one-token, all-capitals condition abbreviation (2 to 4 letters,
 * "CAP", "MS", "DM", "PDA") at token i be dropped as not a condition in
 * this context? Rules, each general:
 *   - half of a compound or code glued by '-' or '/' ("LC-MS/MS",
 *     "CKD‐EPI", "RCA/PDA"), unless the other half is a condition
 *     abbreviation too ("HTN/DM");
 *   - followed by a non-clinical head word ("CAP accredited", "MS method")
 *     or by a code/number of three or more digits, '#' ("CAP 1234",
 *     "CA 94110");
 *   - in a run of credentials: next to a degree ("Jane Roe, MD, DM");
 *   - "PDA" with a coronary-artery word within 8 tokens on its line; "MS:"
 *     and "PE:" as labels (mental status, physical examination);
 *   - an English word ("AS", "ALL", "GAVE") between two words of capitals
 *     on its line, or first on its line before two, or after an auxiliary
 *     verb ("REPAIRED AS DESCRIBED", "ALL PATIENTS WERE SEEN", "was HIT
 *     with 1.5 mL"). */
static bool abbrev_out_of_context(const ms_nlp_ctx *c, size_t i,
                                  const ms_lex_entry *en)
{
    const ms_tok *t = &c->t[i];
    size_t n = t->e - t->b;
    if (en->kind != MS_LEX_COND || en->ntok != 1 || n < 2 || n > 4) return false;
    for (size_t b = t->b; b < t->e; b++)
        if (c->s[b] < 'A' || c->s[b] > 'Z') return false;
    char w[16], ab[8];
    tok_word(c, i, ab, sizeof ab);
    if (i >= 2 && glued_joiner(c, i - 1) && !cond_abbrev_at(c, i - 2)) return true;
    if (i + 2 < c->nt && glued_joiner(c, i + 1) && !cond_abbrev_at(c, i + 2))
        return true;
    if (i + 1 < c->nt && !(c->t[i + 1].flags & MS_TF_NL)) {
        const ms_tok *nx = &c->t[i + 1];
        if (tok_word(c, i + 1, w, sizeof w) &&
            word_in(w, NONCLIN_HEAD, sizeof NONCLIN_HEAD / sizeof *NONCLIN_HEAD))
            return true;
        if ((nx->flags & MS_TF_DIGIT) && nx->e - nx->b >= 3) return true;
        if (!(nx->flags & MS_TF_WORD) && c->s[nx->b] == '#') return true;
        if (!(nx->flags & MS_TF_WORD) && c->s[nx->b] == ':' &&
            (strcmp(ab, "ms") == 0 || strcmp(ab, "pe") == 0))
            return true;
    }
    /* an abbreviation that is also an English word, between two words of
     * capitals: the word ("REPAIRED AS DESCRIBED", "ALL PATIENTS WERE") */
    static const char *const ENGLISH[] = {"all", "as", "cap", "gave", "hit", "mash", "mis",
                                          "pad", "pes", "aids", "doe"};
    /* ... or after an auxiliary: "the orifice was HIT with 1.5 mL" */
    static const char *const AUX[] = {"was", "were", "is", "are", "be", "been", "being", "get",
                                      "got", "gets"};
    if (word_in(ab, ENGLISH, sizeof ENGLISH / sizeof *ENGLISH) && i > 0 &&
        !(c->t[i].flags & MS_TF_NL) && tok_word(c, i - 1, w, sizeof w) &&
        word_in(w, AUX, sizeof AUX / sizeof *AUX))
        return true;
    if (word_in(ab, ENGLISH, sizeof ENGLISH / sizeof *ENGLISH) && i + 1 < c->nt &&
        !(c->t[i + 1].flags & MS_TF_NL) && caps_word(c, i + 1)) {
        bool line_start = i == 0 || (c->t[i].flags & MS_TF_NL);
        if (line_start ? i + 2 < c->nt && !(c->t[i + 2].flags & MS_TF_NL) && caps_word(c, i + 2)
                       : caps_word(c, i - 1))
            return true;
    }
    size_t nd = sizeof DEGREES / sizeof *DEGREES;
    for (int side = -1; side <= 1; side += 2) {
        size_t k = side < 0 ? i - 1 : i + 1;
        if ((side < 0 && i == 0) || k >= c->nt) continue;
        bool comma = !(c->t[k].flags & MS_TF_WORD) && c->s[c->t[k].b] == ',';
        if (comma) {
            if ((side < 0 && k == 0) || k + (size_t)side >= c->nt) continue;
            k += (size_t)side;
        }
        if (tok_word(c, k, w, sizeof w) && word_in(w, DEGREES, nd)) return true;
    }
    if (strcmp(ab, "pda") == 0) {
        size_t lo = i > 8 ? i - 8 : 0, hi = i + 9 < c->nt ? i + 9 : c->nt;
        for (size_t k = lo; k < hi; k++) {
            if (k == i) continue;
            if (k > i && (c->t[k].flags & MS_TF_NL)) break;
            if (k < i && (c->t[k + 1].flags & MS_TF_NL)) { continue; }
            if (tok_word(c, k, w, sizeof w) &&
                word_in(w, CORONARY, sizeof CORONARY / sizeof *CORONARY))
                return true;
        }
        /* "the PDA is patent" */
        if (i + 2 < c->nt && tok_word(c, i + 2, w, sizeof w) &&
            strcmp(w, "patent") == 0)
            return true;
    }
    return false;
}

/* First token whose end is after byte b. */
static size_t tok_at(const ms_tok *t, size_t nt, size_t b)
{
    size_t lo = 0, hi = nt;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid].e <= b) lo = mid + 1; else hi = mid;
    }
    return lo;
}

static const char *time_type(const ms_nlp_entity *x)
{
    if (strcmp(x->category, "MEDICATION") == 0) return "TIME_TO_MEDICATION_NAME";
    if (strcmp(x->category, "MEDICAL_CONDITION") == 0) return "TIME_TO_DX_NAME";
    if (strcmp(x->type, "TEST_NAME") == 0) return "TIME_TO_TEST_NAME";
    if (strcmp(x->type, "PROCEDURE_NAME") == 0) return "TIME_TO_PROCEDURE_NAME";
    return "TIME_TO_TREATMENT_NAME";
}

/* Keep PHI that does not overlap the engine's own entities; link each time
 * expression to the nearest medical entity in its sentence (10 tokens) or
 * drop it, as the service reports time expressions only when linked. */
static void merge_phi(ms_nlp_ctx *c, size_t ntop, size_t nmine, uint8_t *mark)
{
    ms_nlp_result *r = c->out;
    const ms_espan *sp = c->sc->sp;
    size_t w = nmine;
    for (size_t i = nmine; i < r->n; i++) {
        ms_nlp_entity x = r->v[i];
        if (x.byte_end <= x.byte_begin || x.byte_end > c->len) continue;
        size_t t0 = tok_at(c->t, c->nt, x.byte_begin), t1 = t0;
        bool clash = false;
        while (t1 < c->nt && c->t[t1].b < x.byte_end) clash |= mark[t1++] != 0;
        if (clash || t1 == t0) continue;
        if (x.category && strcmp(x.category, "TIME_EXPRESSION") == 0) {
            size_t lo = 0, hi = ntop;   /* first top-level entity at/after t0 */
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (sp[mid].t0 < t0) lo = mid + 1; else hi = mid;
            }
            int best = -1;
            size_t bestd = 11;
            for (int side = 0; side < 2; side++) {
                for (size_t j = side ? lo : lo; side ? j < ntop : j > 0; side ? j++ : j--) {
                    size_t k = side ? j : j - 1;
                    if (sp[k].kind == MS_LEX_ANAT) continue;
                    size_t a = side ? t1 : sp[k].t1, b = side ? sp[k].t0 : t0;
                    size_t d = b > a ? b - a : 0;
                    bool sent = false;
                    for (size_t q = a; q <= b && q < c->nt && !sent; q++)
                        sent = q > a - (a > 0) && (c->t[q].flags & MS_TF_SENT) && q != a - 1;
                    if (d < bestd && !sent) { bestd = d; best = (int)k; }
                    break;
                }
            }
            if (best < 0) continue;
            x.parent = best;
            x.is_attribute = true;
            x.type = time_type(&r->v[best]);
            x.relationship_type = "OVERLAP";
            x.relationship_score = 0.99f - 0.01f * (float)bestd;
        }
        r->v[w++] = x;
    }
    r->n = w;
}

int ms_nlp_detect(const ms_nlp_engine *e, const char *text, size_t len,
                  ms_nlp_result *out)
{
    out->n = 0;
    if (!out->scratch && !(out->scratch = calloc(1, sizeof(ms_nlp_scratch))))
        return -1;
    ms_nlp_scratch *sc = out->scratch;
    if (!text) len = 0;
    if (ms_tokenise(text, len, &sc->tk) < 0) return -1;
    ms_nlp_ctx c = {e, (const unsigned char *)text, len, sc->tk.v, sc->tk.n, out, sc};
    for (size_t i = 0; i < c.nt;) {
        const ms_lex_entry *en = NULL;
        size_t m = (c.t[i].flags & MS_TF_WORD)
                       ? ms_match_longest(e->lex, c.s, c.t, c.nt, i, -1, (size_t)-1, &en)
                       : 0;
        if (!m) {
            size_t k = (c.t[i].flags & MS_TF_WORD) ? ms__compose_before_site(&c, i) : 0;
            if (k && ms__compose_emit(&c, i, k) < 0)
                return -1;
            i += k ? k : 1;
            continue;
        }
        if (en->kind == MS_LEX_ANAT && en->type != MS_LT_DIRECTION) {
            size_t k = ms__compose_after_site(&c, i, m);
            if (k) {
                if (ms__compose_emit(&c, i, k) < 0)
                    return -1;
                i += k;
                continue;
            }
        }
        if (en->kind == MS_LEX_COND && m == 1) {
            /* "erythema of the right nasopharynx": a one-word condition
             * with its site after it (compose.c) */
            size_t k = ms__compose_before_site(&c, i);
            if (k) {
                if (ms__compose_emit(&c, i, k) < 0)
                    return -1;
                i += k;
                continue;
            }
        }
        if (m == 1 && (abbrev_out_of_context(&c, i, en) || device_modifier(&c, i, en) ||
                       lacks_cue(&c, i, en) || physical_sense(&c, i, en))) {
            i++;
            continue;
        }
        if (test_name(&c, i, m, en) || names_the_site(&c, i, m, en)) {
            i += m;
            continue;
        }
        if (en->kind == MS_LEX_COND && m > 1 && split_acuity(&c, i, m, en)) {
            i += m;
            continue;
        }
        size_t situ = in_situ_after(&c, i, m, en);
        if (situ) {
            if (emit_in_situ(&c, i, m + situ, en) < 0)
                return -1;
            i += m + situ;
            continue;
        }
        if (!(en->kind == MS_LEX_ANAT && en->type == MS_LT_DIRECTION) &&
            emit_lex(&c, i, m, en) < 0)
            return -1;
        i += m;
    }
    size_t ntop = out->n;
    if (ms__attrs_run(&c, ntop) < 0) return -1;
    size_t nmine = out->n;
    uint8_t *mark = calloc(c.nt ? c.nt : 1, 1);
    if (!mark) return -1;
    for (size_t i = 0; i < nmine; i++)
        for (size_t k = sc->sp[i].t0; k < sc->sp[i].t1; k++) mark[k] = 1;
    int rc = ms_phi_find(text, len, out);
    merge_phi(&c, ntop, nmine, mark);
    free(mark);
    if (rc < 0) return -1;
    ms_sections_mark(text, len, out->v, out->n);
    ms_context_apply(text, len, out->v, out->n);
    return 0;
}
