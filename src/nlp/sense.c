/* sense.c -- is a lexicon match, in its context, the thing the lexicon
 * names? Each rule here reads the words around one match and says when
 * it is something else: an abbreviation that is a method, a code, a
 * credential or an English word in capitals ("CAP accredited",
 * "REPAIRED AS DESCRIBED"); a condition word that names an instrument, a
 * test, a vaccine, a scale or a technique ("bipolar cautery", "HIV
 * antibody", "a tetanus shot", "Mattis Dementia Rating Scale"); a word
 * that is a finding only with a cue in its sentence ("frequency",
 * "alcohol", "consolidation", "flushed", "distension", "radiation"); a
 * word in its physical sense ("depression of the ST segment", "the
 * nucleus was fractured into quadrants"). engine.c asks before emitting
 * (ms__sense_elsewhere, ms__sense_names_other in nlp_internal.h). */
#include "nlp/nlp_internal.h"

#include <string.h>
#include <strings.h>

/* ---- abbreviations out of clinical context ---------------------------- */

/* Token i folded to lower case without dots into buf (at most n-1 bytes);
 * false if it is not a word or too long. */
bool ms__tok_word(const ms_nlp_ctx *c, size_t i, char *buf, size_t n)
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

bool ms__tok_is(const ms_nlp_ctx *c, size_t i, const char *w)
{
    size_t n = strlen(w);
    if (i >= c->nt || !(c->t[i].flags & MS_TF_WORD) || c->t[i].e - c->t[i].b != n)
        return false;
    return strncasecmp((const char *)c->s + c->t[i].b, w, n) == 0;
}

bool ms__word_in(const char *w, const char *const *l, size_t n)
{
    /* the first byte first: most calls ask about a word in none of them */
    for (size_t k = 0; k < n; k++)
        if (w[0] == l[k][0] && strcmp(w, l[k]) == 0) return true;
    return false;
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
    "irrigation", "bovie", "retractor", "scalpel", "knife", "coagulate", "cauterize",
    "cauterise", "coagulating", "cauterizing"};

/* Is the one-token condition at token i the modifier of an instrument or
 * implant ("bipolar cautery"), or "bipolar" named among instruments (an
 * instrument word within 4 tokens, in its sentence)? */
static bool device_modifier(const ms_nlp_ctx *c, size_t i, const ms_lex_entry *en)
{
    char w[24];
    if (en->kind == MS_LEX_COND && en->ntok == 1 && ms__tok_word(c, i, w, sizeof w) &&
        strcmp(w, "bipolar") == 0) {
        size_t lo = i > 4 ? i - 4 : 0, hi = i + 5 < c->nt ? i + 5 : c->nt;
        for (size_t k = lo; k < hi; k++) {
            if (k > i && (c->t[k].flags & MS_TF_SENT))
                break;
            if (k != i && ms__tok_word(c, k, w, sizeof w) &&
                ms__word_in(w, INSTRUMENTS, sizeof INSTRUMENTS / sizeof *INSTRUMENTS))
                return true;
        }
    }
    if (en->kind != MS_LEX_COND || en->ntok != 1 || i + 1 >= c->nt ||
        (c->t[i + 1].flags & MS_TF_NL))
        return false;
    return ms__tok_word(c, i + 1, w, sizeof w) &&
           ms__word_in(w, DEVICE_HEAD, sizeof DEVICE_HEAD / sizeof *DEVICE_HEAD);
}

/* A condition named by the space it is in ("carpal tunnel" for carpal
 * tunnel syndrome) is the space itself after "the": "repaired proximal to
 * the carpal tunnel", "the contents of the carpal tunnel". */
static bool names_the_site(const ms_nlp_ctx *c, size_t i, size_t m, const ms_lex_entry *en)
{
    char w[24];
    if (en->kind != MS_LEX_COND || m < 2 || i == 0 || !ms__tok_word(c, i + m - 1, w, sizeof w) ||
        strcmp(w, "tunnel") != 0)
        return false;
    return ms__tok_word(c, i - 1, w, sizeof w) && strcmp(w, "the") == 0;
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
    if (en->kind != MS_LEX_COND || en->ntok != 1 || !ms__tok_word(c, i, w, sizeof w))
        return false;
    if (strcmp(w, "fractured") == 0 || strcmp(w, "fracture") == 0) {
        /* cataract surgery splits the lens on purpose: "the nucleus was
         * fractured into quadrants" */
        static const char *const LENS[] = {"nucleus", "nuclear", "lens", "cataract"};
        for (size_t k = i; k-- > 0 && i - k <= 4 && !(c->t[k + 1].flags & MS_TF_SENT);)
            if (ms__tok_word(c, k, w, sizeof w) && ms__word_in(w, LENS, sizeof LENS / sizeof *LENS))
                return true;
        return false;
    }
    if (strcmp(w, "depression") != 0)
        return false;
    if (i > 0 && !(c->t[i].flags & (MS_TF_NL | MS_TF_SENT)) && ms__tok_word(c, i - 1, w, sizeof w) &&
        ms__word_in(w, BEFORE, sizeof BEFORE / sizeof *BEFORE))
        return true;
    return i + 1 < c->nt && !(c->t[i + 1].flags & (MS_TF_NL | MS_TF_SENT)) &&
           ms__tok_word(c, i + 1, w, sizeof w) && strcmp(w, "of") == 0;
}

/* Is "pain" at token i a sense an examiner tests, or a stimulus? "Pain and
 * temperature sensation were intact", "pain sensation decreased",
 * "sensation to light touch and pain", "withdraws to pain": the patient
 * has no pain for it. */
static bool sensory_modality(const ms_nlp_ctx *c, size_t i, const ms_lex_entry *en)
{
    static const char *const SENSE[] = {"sensation", "sensations", "perception", "modality",
                                        "modalities", "sense", "sensibility"};
    static const char *const MODALITY[] = {"temperature", "touch", "pinprick", "vibration",
                                           "proprioception", "temp", "sharp", "position"};
    static const char *const TO[] = {"sensation", "sensitivity", "sensory", "intact", "withdraws",
                                     "withdrew", "withdrawal", "localizes", "localized",
                                     "localises", "responds", "responded", "responsive",
                                     "response", "reacts"};
    char w[24];
    if (en->kind != MS_LEX_COND || en->ntok != 1 || !ms__tok_word(c, i, w, sizeof w) ||
        strcmp(w, "pain") != 0)
        return false;
    bool same_next = i + 1 < c->nt && !(c->t[i + 1].flags & (MS_TF_NL | MS_TF_SENT));
    /* "pain sensation", "pain and temperature", "pain/temperature", "pain, touch" */
    if (same_next && ms__tok_word(c, i + 1, w, sizeof w) &&
        ms__word_in(w, SENSE, sizeof SENSE / sizeof *SENSE))
        return true;
    if (same_next && i + 2 < c->nt && !(c->t[i + 2].flags & MS_TF_NL) &&
        (!ms__tok_word(c, i + 1, w, sizeof w) || !strcmp(w, "and") || !strcmp(w, "or")) &&
        ms__tok_word(c, i + 2, w, sizeof w) &&
        ms__word_in(w, MODALITY, sizeof MODALITY / sizeof *MODALITY))
        return true;
    if (i < 2 || (c->t[i].flags & (MS_TF_NL | MS_TF_SENT)) ||
        (c->t[i - 1].flags & (MS_TF_NL | MS_TF_SENT)))
        return false;
    /* "touch and pain", "pinprick, pain", "sensation to pain", "withdraws to pain" */
    bool joined = !ms__tok_word(c, i - 1, w, sizeof w) || !strcmp(w, "and") || !strcmp(w, "or");
    if (joined && ms__tok_word(c, i - 2, w, sizeof w) &&
        ms__word_in(w, MODALITY, sizeof MODALITY / sizeof *MODALITY))
        return true;
    return ms__tok_word(c, i - 1, w, sizeof w) && !strcmp(w, "to") &&
           ms__tok_word(c, i - 2, w, sizeof w) && ms__word_in(w, TO, sizeof TO / sizeof *TO);
}

/* Is the one-token condition (or procedure) at token i a gated word
 * without its cue? */
static bool lacks_cue(const ms_nlp_ctx *c, size_t i, const ms_lex_entry *en)
{
    char w[24];
    if ((en->kind != MS_LEX_COND && en->kind != MS_LEX_PROC) || en->ntok != 1 ||
        !ms__tok_word(c, i, w, sizeof w))
        return false;
    for (size_t g = 0; g < sizeof GATED / sizeof *GATED; g++) {
        if (strcmp(w, GATED[g].word) != 0) continue;
        /* "the ports were flushed with saline": the nurse's, always */
        if (g == GATED_FLUSHED && i + 1 < c->nt && ms__tok_word(c, i + 1, w, sizeof w) &&
            strcmp(w, "with") == 0)
            return true;
        size_t lo = i, hi = i + 1;
        while (lo > 0 && i - lo < GATE_SPAN && !(c->t[lo].flags & MS_TF_SENT)) lo--;
        while (hi < c->nt && hi - i < GATE_SPAN && !(c->t[hi].flags & MS_TF_SENT)) hi++;
        for (size_t k = lo; k < hi; k++)
            if (k != i && ms__tok_word(c, k, w, sizeof w) && ms__word_in(w, GATED[g].cue, GATED[g].ncue))
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
    /* an immunity answer: "rubella immune", "varicella non-immune";
     * "hepatitis B immune globulin" is a medicine */
    "immune", "nonimmune", "non-immune",
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
    if (med && ms__tok_word(c, k, w, sizeof w) &&
        ms__word_in(w, MED_LEVEL_HEAD, sizeof MED_LEVEL_HEAD / sizeof *MED_LEVEL_HEAD))
        return true;
    /* "GC and chlamydia was sent", "HIV was ordered": a sample sent */
    static const char *const SENT[] = {"sent", "ordered", "drawn", "pending"};
    char w2[24];
    if (!med && k + 1 < c->nt && !(c->t[k + 1].flags & MS_TF_NL) && ms__tok_word(c, k, w, sizeof w) &&
        (strcmp(w, "was") == 0 || strcmp(w, "were") == 0 || strcmp(w, "is") == 0 ||
         strcmp(w, "are") == 0) &&
        ms__tok_word(c, k + 1, w2, sizeof w2) && ms__word_in(w2, SENT, sizeof SENT / sizeof *SENT))
        return true;
    if (!med && ms__tok_word(c, k, w, sizeof w) &&
        (ms__word_in(w, TEST_HEAD, sizeof TEST_HEAD / sizeof *TEST_HEAD) ||
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
    if (!med && ms__tok_word(c, k, w, sizeof w) && strcmp(w, "status") == 0 &&
        ms__tok_word(c, i, w, sizeof w) && ms__word_in(w, SEROSTATUS, sizeof SEROSTATUS / sizeof *SEROSTATUS)) {
        size_t n2 = k + 1;
        while (n2 < c->nt && !(c->t[n2].flags & MS_TF_WORD) && !(c->t[n2].flags & MS_TF_NL))
            n2++;   /* "status-post", "status / post" */
        return !(n2 < c->nt && ms__tok_word(c, n2, w, sizeof w) && strcmp(w, "post") == 0);
    }
    /* "Immunizations discussed and updated with hepatitis B": a vaccine's
     * disease in a sentence about vaccines */
    if (!med && ms__tok_word(c, i, w, sizeof w) &&
        ms__word_in(w, SEROSTATUS, sizeof SEROSTATUS / sizeof *SEROSTATUS))
        for (size_t q = i; q-- > 0 && i - q <= 8 && !(c->t[q + 1].flags & MS_TF_SENT);)
            if (ms__tok_word(c, q, w2, sizeof w2) &&
                (!strncmp(w2, "immuniz", 7) || !strncmp(w2, "immunis", 7) ||
                 !strncmp(w2, "vaccin", 6)))
                return true;
    size_t item = 0;
    bool sep = false;
    for (size_t j = k; j < c->nt && j - k < TEST_LIST_TOKENS; j++) {
        const ms_tok *t = &c->t[j];
        if (t->flags & (MS_TF_NL | MS_TF_SENT))
            return false;
        bool comma = !(t->flags & MS_TF_WORD) && c->s[t->b] == ',';
        bool conj = ms__tok_word(c, j, w, sizeof w) && (strcmp(w, "and") == 0 || strcmp(w, "or") == 0);
        if (comma || conj) {
            sep = true;
            item = 0;
            continue;
        }
        if (sep && item > 0 && (t->flags & MS_TF_WORD) && ms__tok_word(c, j, w, sizeof w) &&
            ms__word_in(w, list_head, nlist))
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
    ms__tok_word(c, i, ab, sizeof ab);
    if (i >= 2 && glued_joiner(c, i - 1) && !cond_abbrev_at(c, i - 2)) return true;
    if (i + 2 < c->nt && glued_joiner(c, i + 1) && !cond_abbrev_at(c, i + 2))
        return true;
    if (i + 1 < c->nt && !(c->t[i + 1].flags & MS_TF_NL)) {
        const ms_tok *nx = &c->t[i + 1];
        if (ms__tok_word(c, i + 1, w, sizeof w) &&
            ms__word_in(w, NONCLIN_HEAD, sizeof NONCLIN_HEAD / sizeof *NONCLIN_HEAD))
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
    if (ms__word_in(ab, ENGLISH, sizeof ENGLISH / sizeof *ENGLISH) && i > 0 &&
        !(c->t[i].flags & MS_TF_NL) && ms__tok_word(c, i - 1, w, sizeof w) &&
        ms__word_in(w, AUX, sizeof AUX / sizeof *AUX))
        return true;
    if (ms__word_in(ab, ENGLISH, sizeof ENGLISH / sizeof *ENGLISH) && i + 1 < c->nt &&
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
        if (ms__tok_word(c, k, w, sizeof w) && ms__word_in(w, DEGREES, nd)) return true;
    }
    if (strcmp(ab, "pda") == 0) {
        size_t lo = i > 8 ? i - 8 : 0, hi = i + 9 < c->nt ? i + 9 : c->nt;
        for (size_t k = lo; k < hi; k++) {
            if (k == i) continue;
            if (k > i && (c->t[k].flags & MS_TF_NL)) break;
            if (k < i && (c->t[k + 1].flags & MS_TF_NL)) { continue; }
            if (ms__tok_word(c, k, w, sizeof w) &&
                ms__word_in(w, CORONARY, sizeof CORONARY / sizeof *CORONARY))
                return true;
        }
        /* "the PDA is patent" */
        if (i + 2 < c->nt && ms__tok_word(c, i + 2, w, sizeof w) &&
            strcmp(w, "patent") == 0)
            return true;
    }
    return false;
}

bool ms__sense_elsewhere(const ms_nlp_ctx *c, size_t i, const ms_lex_entry *en)
{
    return abbrev_out_of_context(c, i, en) || device_modifier(c, i, en) || lacks_cue(c, i, en) ||
           physical_sense(c, i, en) || sensory_modality(c, i, en);
}

/* "Weight loss" is a symptom ("a 20-pound weight loss") or the advice to
 * lose weight: "we recommended weight loss", "encouraged weight loss and
 * exercise", "risk factor modification including weight loss", "weight
 * loss surgery". Advice -- a word of advice earlier in its sentence, or a
 * plan word right after it -- names no finding. */
static bool weight_advice(const ms_nlp_ctx *c, size_t i, size_t m, const ms_lex_entry *en)
{
    /* not "discussed" or "needs": "we discussed her 20-pound weight loss" */
    static const char *const STEMS[] = {"recommend", "encourag", "advis", "counsel", "emphasi",
                                        "goal", "modif", "promot", "attempt", "motivat",
                                        "educat", "reinforc"};
    static const char *const AFTER[] = {"surgery", "program", "programs", "goal", "goals",
                                        "plan", "plans", "strategies", "medication",
                                        "medications", "efforts", "counseling"};
    char w[24];
    if (en->kind != MS_LEX_COND || !en->canonical || strcmp(en->canonical, "weight loss") != 0)
        return false;
    if (i + m < c->nt && !(c->t[i + m].flags & (MS_TF_NL | MS_TF_SENT)) &&
        ms__tok_word(c, i + m, w, sizeof w) && ms__word_in(w, AFTER, sizeof AFTER / sizeof *AFTER))
        return true;
    for (size_t k = i; k-- > 0 && i - k <= 12;) {
        if (ms__tok_word(c, k, w, sizeof w))
            for (size_t s = 0; s < sizeof STEMS / sizeof *STEMS; s++)
                if (strncmp(w, STEMS[s], strlen(STEMS[s])) == 0) return true;
        if (c->t[k].flags & (MS_TF_SENT | MS_TF_NL)) break;
    }
    return false;
}

bool ms__sense_names_other(const ms_nlp_ctx *c, size_t i, size_t m, const ms_lex_entry *en)
{
    return test_name(c, i, m, en) || names_the_site(c, i, m, en) || weight_advice(c, i, m, en);
}
