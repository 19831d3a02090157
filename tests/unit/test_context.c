/* test_context.c -- section headings, ConText traits and PHI detection;
 * plus the negation evaluation over the annotated NegEx sentences in
 * $MS_SHARED/corpora/negation/negex-annotations-half.tsv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nlp/context.h"
#include "nlp/nlp.h"
#include "nlp/phi.h"
#include "nlp/sections.h"
#include "nlp/sentence.h"

/* ---- helpers ---- */

static ms_nlp_entity ent_at(const char *text, const char *needle,
                            const char *category)
{
    ms_nlp_entity e;
    memset(&e, 0, sizeof e);
    const char *p = strstr(text, needle);
    assert_non_null(p);
    e.byte_begin = e.begin = (size_t)(p - text);
    e.byte_end = e.end = e.byte_begin + strlen(needle);
    e.category = category;
    e.type = "DX_NAME";
    e.parent = -1;
    e.score = 0.9f;
    return e;
}

static bool has_trait(const ms_nlp_entity *e, const char *name)
{
    for (int i = 0; i < e->ntraits; i++)
        if (strcmp(e->traits[i].name, name) == 0)
            return true;
    return false;
}

/* Traits of one condition mention in a one-sentence text. */
static ms_nlp_entity ctx1(const char *text, const char *needle)
{
    ms_nlp_entity e = ent_at(text, needle, "MEDICAL_CONDITION");
    ms_sections_mark(text, strlen(text), &e, 1);
    ms_context_apply(text, strlen(text), &e, 1);
    return e;
}

#define NEG(t, w) assert_true(has_trait((ms_nlp_entity[]){ctx1(t, w)}, "NEGATION"))
#define AFF(t, w) assert_false(has_trait((ms_nlp_entity[]){ctx1(t, w)}, "NEGATION"))
#define TRAIT(t, w, n) assert_true(has_trait((ms_nlp_entity[]){ctx1(t, w)}, n))
#define NOTRAIT(t, w, n) assert_false(has_trait((ms_nlp_entity[]){ctx1(t, w)}, n))

/* ---- the NegEx evaluation ---- */

/* Strict negation F1 (issue 15): 0.795 before the terminology import and
 * the curated exam findings, 0.884 after, 0.896 with the plurals of curated
 * names ("no known drug allergies") and the Alphabetic Index terms, 0.930
 * with report phrasing ("sick contacts", "ischemic EKG changes", "change in
 * hearing", "incontinent", "right to left intracardiac shunt"), 0.941 with
 * "frequency" and "alcohol" gated by a cue in their sentence, 0.948 with
 * "tonic/clonic movement", fat stranding, "abnormal bleeding"; 0.9456 with
 * "tenderness" a condition (2026-12-07): row 746 annotates the whole phrase
 * "The neck without any tenderness" as Affirmed, and the engine now finds
 * "tenderness" there, negated -- one false positive the annotation makes,
 * while the exam's "tenderness" is found everywhere else. */
#define STRICT_F1_FLOOR 0.945

typedef struct {
    size_t tp, fp, fn, tn;
} confusion;

static void prf(const char *what, const confusion *c, double *f1out)
{
    double p = c->tp + c->fp ? (double)c->tp / (double)(c->tp + c->fp) : 0;
    double r = c->tp + c->fn ? (double)c->tp / (double)(c->tp + c->fn) : 0;
    double f = p + r > 0 ? 2 * p * r / (p + r) : 0;
    print_message("%-28s P=%.3f R=%.3f F1=%.3f (tp=%zu fp=%zu fn=%zu tn=%zu)\n",
                  what, p, r, f, c->tp, c->fp, c->fn, c->tn);
    if (f1out)
        *f1out = f;
}

static void count(confusion *c, bool gold, bool pred)
{
    if (gold && pred)
        c->tp++;
    else if (pred)
        c->fp++;
    else if (gold)
        c->fn++;
    else
        c->tn++;
}

/* Case-insensitive search; NULL if absent. */
static const char *find_ci(const char *hay, const char *needle, size_t nlen)
{
    if (nlen == 0)
        return NULL;
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, nlen) == 0)
            return p;
    return NULL;
}

static void test_negex_eval(void **state)
{
    (void)state;
    const char *shared = getenv("MS_SHARED");
    if (!shared || !*shared) {
        print_message("MS_SHARED not set: NegEx evaluation skipped\n");
        skip();
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/corpora/negation/negex-annotations-half.tsv",
             shared);
    FILE *f = fopen(path, "r");
    if (!f) {
        print_message("%s absent: NegEx evaluation skipped\n", path);
        skip();
    }
    const char *dump = getenv("MS_CONTEXT_DUMP");  /* dev aid: line numbers */
    confusion neg = {0}, hyp = {0}, hist = {0}, fam = {0};
    /* Strict: the engine itself must find the mention (a condition entity
     * overlapping it); a negated mention it does not find is a miss. */
    confusion strict = {0};
    size_t found = 0;
    ms_nlp_engine *eng = ms_nlp_engine_new();
    assert_non_null(eng);
    ms_nlp_result res;
    memset(&res, 0, sizeof res);
    size_t rows = 0, missing = 0, bad = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    bool header = true;
    while ((got = getline(&line, &cap, f)) > 0) {
        if (header) {          /* line number, Condition, sentence, ... */
            header = false;
            continue;
        }
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        char *col[6] = {0};
        int nc = 0;
        char *s = line;
        while (nc < 6) {
            col[nc++] = s;
            char *tab = strchr(s, '\t');
            if (!tab)
                break;
            *tab = '\0';
            s = tab + 1;
        }
        if (nc < 6) {
            bad++;
            continue;
        }
        rows++;
        const char *cond = col[1], *sent = col[2];
        while (*cond == ' ')
            cond++;
        size_t clen = strlen(cond);
        while (clen && cond[clen - 1] == ' ')
            clen--;
        /* The annotated mention is upper-cased in the sentence: prefer
         * that occurrence, then any case-insensitive one. */
        char up[1024];
        const char *at = NULL;
        if (clen < sizeof up) {
            for (size_t k = 0; k < clen; k++)
                up[k] = (char)((cond[k] >= 'a' && cond[k] <= 'z') ? cond[k] - 32
                                                                 : cond[k]);
            up[clen] = '\0';
            at = strstr(sent, up);
        }
        if (!at)
            at = find_ci(sent, cond, clen);
        if (!at) {
            missing++;
            continue;
        }
        ms_nlp_entity e;
        memset(&e, 0, sizeof e);
        e.byte_begin = e.begin = (size_t)(at - sent);
        e.byte_end = e.end = e.byte_begin + clen;
        e.category = "MEDICAL_CONDITION";
        e.type = "DX_NAME";
        e.parent = -1;
        size_t slen = strlen(sent);
        ms_sections_mark(sent, slen, &e, 1);
        ms_context_apply(sent, slen, &e, 1);
        bool gold_neg = strcasecmp(col[3], "Negated") == 0;
        bool pred_neg = has_trait(&e, "NEGATION");
        count(&neg, gold_neg, pred_neg);
        assert_int_equal(ms_nlp_detect(eng, sent, slen, &res), 0);
        const ms_nlp_entity *hit = NULL;
        size_t best = 0;
        for (size_t k = 0; k < res.n; k++) {
            const ms_nlp_entity *x = &res.v[k];
            /* a negated form ("afebrile", "nontender") is the lexicon's, not
             * ConText's; NegEx annotates such words as affirmed findings
             * of their own ("Abdomen: soft, nontender" Affirmed) */
            if (x->is_attribute || strcmp(x->category, "MEDICAL_CONDITION") != 0 ||
                x->negated_form)
                continue;
            size_t lo = x->byte_begin > e.byte_begin ? x->byte_begin : e.byte_begin;
            size_t hi = x->byte_end < e.byte_end ? x->byte_end : e.byte_end;
            if (hi > lo && hi - lo > best) {
                best = hi - lo;
                hit = x;
            }
        }
        found += hit != NULL;
        count(&strict, gold_neg, hit && has_trait(hit, "NEGATION"));
        if (dump && strcmp(dump, "strict") == 0 && gold_neg && !hit)
            print_message("strict miss line %s\n", col[0]);
        count(&hyp, strcasecmp(col[4], "Not particular") == 0,
              has_trait(&e, "HYPOTHETICAL"));
        count(&hist, strcasecmp(col[4], "Historical") == 0,
              has_trait(&e, "PAST_HISTORY"));
        count(&fam, strcasecmp(col[5], "Patient") != 0,
              has_trait(&e, "PERTAINS_TO_FAMILY"));
        if (dump && gold_neg != pred_neg)
            print_message("neg %s line %s\n", gold_neg ? "FN" : "FP", col[0]);
        if (dump && strcmp(dump, "all") == 0) {
            bool gh = strcasecmp(col[4], "Historical") == 0;
            if (gh != has_trait(&e, "PAST_HISTORY"))
                print_message("hist %s line %s\n", gh ? "FN" : "FP", col[0]);
            bool gy = strcasecmp(col[4], "Not particular") == 0;
            if (gy != has_trait(&e, "HYPOTHETICAL"))
                print_message("hyp %s line %s\n", gy ? "FN" : "FP", col[0]);
        }
    }
    free(line);
    fclose(f);
    ms_nlp_result_free(&res);
    ms_nlp_engine_free(eng);
    print_message("NegEx rows: %zu, condition not found in sentence: %zu, "
                  "malformed: %zu, found by the engine: %zu\n", rows, missing, bad, found);
    double f1 = 0, f1s = 0;
    prf("NEGATION (Negated)", &neg, &f1);
    prf("NEGATION strict (engine)", &strict, &f1s);
    prf("HYPOTHETICAL (Not particular)", &hyp, NULL);
    prf("PAST_HISTORY (Historical)", &hist, NULL);
    prf("PERTAINS_TO_FAMILY (not Patient)", &fam, NULL);
    assert_true(rows > 1000);
    assert_true(missing < 20);
    assert_true(f1 >= 0.90);
    assert_true(f1s >= STRICT_F1_FLOOR);
}


/* ---- ConText triggers, scopes and sections ---- */

static void test_context_triggers(void **state)
{
    (void)state;
    NEG("Patient denies chest pain.", "chest pain");
    NEG("No evidence of pneumonia.", "pneumonia");
    NEG("Negative for fever, chills or rigors.", "rigors");
    NEG("Pulmonary embolism was ruled out.", "Pulmonary embolism");
    AFF("Chest pain, no nausea.", "Chest pain");
    AFF("No change in her edema.", "edema");      /* pseudo-trigger */
    AFF("No fever but she has a cough.", "cough"); /* "but" ends the scope */
    AFF("Gram negative bacteremia.", "bacteremia");
    TRAIT("History of myocardial infarction in 2019.", "myocardial infarction",
          "PAST_HISTORY");
    TRAIT("Mother had breast cancer.", "breast cancer", "PERTAINS_TO_FAMILY");
    TRAIT("Return if you develop fever.", "fever", "HYPOTHETICAL");
    TRAIT("Possible pneumonia on the left.", "pneumonia", "LOW_CONFIDENCE");
    NOTRAIT("She has pneumonia.", "pneumonia", "LOW_CONFIDENCE");
    NOTRAIT("She has pneumonia.", "pneumonia", "PERTAINS_TO_FAMILY");
    TRAIT("I initially saw him for thrombocytopenia in 2019.", "thrombocytopenia",
          "PAST_HISTORY");
    TRAIT("Mammogram due to a history of abnormal mammogram in the past which subsequently "
          "showed a benign breast cyst.", "breast cyst", "PAST_HISTORY");
    NOTRAIT("History of asthma. Chest film today which showed pneumonia.", "pneumonia",
            "PAST_HISTORY");
    {   /* a name that says "not" (the lexicon's canonical does not) */
        ms_nlp_entity e = ent_at("She is a nonsmoker.", "nonsmoker", "MEDICAL_CONDITION");
        e.canonical = "tobacco use";
        ms_context_apply("She is a nonsmoker.", 19, &e, 1);
        assert_true(has_trait(&e, "NEGATION"));
    }
    TRAIT("He quit smoking in 1991.", "smoking", "PAST_HISTORY");
    NOTRAIT("He smokes one pack per day.", "smokes", "NEGATION");
    TRAIT("The question raised at this time is of recurrence in inflammatory myopathy.",
          "inflammatory myopathy", "LOW_CONFIDENCE");
    TRAIT("Family members at bedside.,CORONARY RISK FACTORS: , History of hypertension.",
          "hypertension", "PAST_HISTORY");
    NOTRAIT("Family members at bedside.,CORONARY RISK FACTORS: , History of hypertension.",
            "hypertension", "PERTAINS_TO_FAMILY");
    TRAIT("Care was taken to preserve the lateral fibroids.", "fibroids", "HYPOTHETICAL");
    TRAIT("The nerve was retracted to avoid injury to it.", "injury", "HYPOTHETICAL");
    /* a relative clause is about the relative, however far its antecedent */
    TRAIT("She has 8 children that are healthy with the exception of one who has "
          "coronary artery disease.", "coronary artery disease", "PERTAINS_TO_FAMILY");
    NOTRAIT("Mother is well. The patient, who has coronary artery disease, is here.",
            "coronary artery disease", "PERTAINS_TO_FAMILY");
}


/* ---- issue 14: mention-level facts for the findings stage ---- */

/* Every conjunct of a negated coordination is negated; the scope ends at a
 * termination or a new clause with its own verb. */
static void test_context_coordination(void **state)
{
    (void)state;
    NEG("No demonstrated aneurysm or pseudoaneurysm.", "pseudoaneurysm");
    NEG("No fever, chills, or night sweats.", "night sweats");
    NEG("No fever, chills, or night sweats.", "chills");
    NEG("Without evidence of pneumonia, pleural effusion or pneumothorax.",
        "pneumothorax");
    NEG("Negative for hepatitis B and cirrhosis.", "cirrhosis");
    NEG("She denies fever, chills, sweats, nausea, vomiting, diarrhea, "
        "constipation, abdominal pain, chest pain, shortness of breath, "
        "difficulty breathing, dyspnea on exertion or change in exercise "
        "tolerance.", "dyspnea on exertion");
    NEG("She is not reporting polyuria, polydipsia or polyphagia.", "polyphagia");
    NEG("Eyes: (-) visual disturbance or change.", "visual disturbance");
    NEG("No change in her bowels, abdominal pain, rectal bleeding, or melena.",
        "melena");
    NEG("She was not tachycardic, nor was she in atrial fibrillation.",
        "atrial fibrillation");
    AFF("No change in her edema.", "edema");
    AFF("No fever but has cough.", "cough");
    AFF("No fever, however she has a cough.", "cough");
    AFF("No fever; cough for two days.", "cough");
    AFF("Extremities: no clubbing, cyanosis, mild edema.", "edema");
    NEG("Extremities: no clubbing, cyanosis or mild edema.", "edema");
    AFF("No fever and is having a productive cough.", "cough");
    AFF("Denies chest pain, and reports dyspnea on exertion.", "dyspnea");
    AFF("No fever. Cough for two days.", "Cough");
    AFF("Neuro: (-) headache (+) dizziness.", "dizziness");
}

/* Rows of a list: a trigger of one row never reaches into another. */
static void test_context_list_rows(void **state)
{
    (void)state;
    AFF("Primary: Acute appendicitis\nSecondary: None\n", "appendicitis");
    AFF("Diagnosis: Pneumonia\nComplications: none\n", "Pneumonia");
    NEG("Diabetes: No\nHypertension: Yes\n", "Diabetes");
    AFF("Diabetes: No\nHypertension: Yes\n", "Hypertension");
    AFF("Diabetes: No  Hypertension: Yes", "Hypertension");
    NEG("Chest pain: denies\nCough: yes\n", "Chest pain");
    AFF("Chest pain: denies\nCough: yes\n", "Cough");
    NEG("Asthma: negative\n", "Asthma");
    AFF("Smoker: no\nAsthma: present\n", "Asthma");
    AFF("Allergies: none\nPMH: asthma\n", "asthma");
    AFF("Pneumonia\nRuled out: sepsis\n", "Pneumonia");
    /* a sentence wrapped over two lines keeps its post-trigger */
    NEG("Pulmonary embolism was\nruled out by CT angiography.",
        "Pulmonary embolism");
}

/* Uncertainty is LOW_CONFIDENCE, never NEGATION. */
#define UNC(t, w)                                                     \
    do {                                                              \
        TRAIT(t, w, "LOW_CONFIDENCE");                                \
        NOTRAIT(t, w, "NEGATION");                                    \
    } while (0)

static void test_context_uncertainty(void **state)
{
    (void)state;
    UNC("Chest pain, likely acute coronary syndrome.", "acute coronary syndrome");
    NOTRAIT("Chest pain, likely acute coronary syndrome.", "Chest pain",
            "LOW_CONFIDENCE");
    UNC("Findings most likely represent pneumonia.", "pneumonia");
    UNC("Probable appendicitis.", "appendicitis");
    UNC("Pneumonia is likely.", "Pneumonia");
    UNC("Findings are suggestive of sarcoidosis.", "sarcoidosis");
    UNC("Pulmonary embolism cannot be excluded.", "Pulmonary embolism");
    UNC("A pelvic abscess cannot be ruled out.", "abscess");
    UNC("Pneumonia versus atelectasis.", "atelectasis");
    UNC("Pneumonia versus atelectasis.", "Pneumonia");
    UNC("Atelectasis vs. pneumonia in the left base.", "pneumonia");
    UNC("Clinical history: query melanoma.", "melanoma");
    UNC("Indication: ?appendicitis.", "appendicitis");
    UNC("R/O myocardial infarction.", "myocardial infarction");
    UNC("Admit to rule out myocardial infarction.", "myocardial infarction");
    UNC("CT to exclude pulmonary embolism.", "pulmonary embolism");
    UNC("Suspected appendicitis.", "appendicitis");
    UNC("Possible pneumonia.", "pneumonia");
    UNC("Questionable fracture of the radius.", "fracture");
    UNC("Differential includes lymphoma, sarcoidosis and tuberculosis.",
        "sarcoidosis");
    UNC("The differential diagnosis is lymphoma or sarcoidosis.", "lymphoma");
    UNC("Pulmonary embolism is unlikely.", "Pulmonary embolism");
    UNC("Low suspicion for pulmonary embolism.", "pulmonary embolism");
    /* "consistent with" states the reader's conclusion: affirmed */
    NOTRAIT("Findings consistent with pneumonia.", "pneumonia", "LOW_CONFIDENCE");
    NOTRAIT("Findings consistent with pneumonia.", "pneumonia", "NEGATION");
}

static void test_context_hypothetical(void **state)
{
    (void)state;
    const char *h = "HYPOTHETICAL";
    TRAIT("Monitor for complications such as hypothyroidism.", "hypothyroidism", h);
    TRAIT("Return if you develop chest pain or fever.", "fever", h);
    TRAIT("Call if fever.", "fever", h);
    TRAIT("Watch for signs of infection or bleeding.", "infection", h);
    TRAIT("Risks including bleeding, infection and deep vein thrombosis were "
          "discussed.", "deep vein thrombosis", h);
    TRAIT("The risks of the procedure including but not limited to bleeding, "
          "infection and pneumothorax were explained.", "pneumothorax", h);
    TRAIT("People with low calcium may have depression, cramps and seizures.",
          "seizures", h);
    TRAIT("Patients with diabetes should check their feet daily.", "diabetes", h);
    TRAIT("Hypothyroidism can cause fatigue and constipation.", "constipation", h);
    TRAIT("Hypothyroidism can cause fatigue and constipation.", "Hypothyroidism", h);
    TRAIT("Symptoms include nausea and vomiting.", "vomiting", h);
    TRAIT("Mother was advised regarding signs and symptoms of respiratory "
          "distress, which includes tachypnea.", "tachypnea", h);
    TRAIT("Return to the emergency department for worsening shortness of "
          "breath, chest pain or fever above 38.5 C.", "fever", h);
    TRAIT("Go to the nearest emergency room for chest pain.", "chest pain", h);
    TRAIT("Tylenol 650 mg q6h prn pain.", "pain", h);
    TRAIT("Albuterol as needed for wheezing.", "wheezing", h);
    NOTRAIT("She has diabetes and checks her feet.", "diabetes", h);
    NOTRAIT("Risk factors include hypertension.", "hypertension", h);
    NOTRAIT("The patient has pneumonia.", "pneumonia", h);
}

/* A reaction in an ALLERGIES section keeps the section (the findings stage
 * files it under the allergy, not as a condition). */
static void test_context_allergies(void **state)
{
    (void)state;
    const char *t = "HPI: cough.\nALLERGIES:\nSulfa drugs: anaphylactoid "
                    "reaction\nPenicillin (hives)\nMEDICATIONS: none\n";
    ms_nlp_entity v[2] = {ent_at(t, "anaphylactoid reaction", "MEDICAL_CONDITION"),
                          ent_at(t, "hives", "MEDICAL_CONDITION")};
    ms_sections_mark(t, strlen(t), v, 2);
    assert_int_equal(v[0].section, MS_SEC_ALLERGIES);
    assert_int_equal(v[1].section, MS_SEC_ALLERGIES);
    const char *u = "Allergies: Penicillin - rash; codeine - nausea.\n"
                    "Assessment: pneumonia.\n";
    ms_nlp_entity w[2] = {ent_at(u, "rash", "MEDICAL_CONDITION"),
                          ent_at(u, "pneumonia", "MEDICAL_CONDITION")};
    ms_sections_mark(u, strlen(u), w, 2);
    assert_int_equal(w[0].section, MS_SEC_ALLERGIES);
    assert_int_not_equal(w[1].section, MS_SEC_ALLERGIES);
    const char *x = "Drug Allergies: NKDA\nALLERGIES/ADVERSE REACTIONS: "
                    "aspirin (angioedema)\n";
    ms_nlp_entity y = ent_at(x, "angioedema", "MEDICAL_CONDITION");
    ms_sections_mark(x, strlen(x), &y, 1);
    assert_int_equal(y.section, MS_SEC_ALLERGIES);
}

static void test_sections(void **state)
{
    (void)state;
    assert_int_equal(ms_section_classify("Past Medical History", 20),
                     MS_SEC_PAST_HISTORY);
    assert_int_equal(ms_section_classify("FAMILY HISTORY", 14),
                     MS_SEC_FAMILY_HISTORY);
    assert_int_equal(ms_section_classify("Medications", 11), MS_SEC_MEDICATIONS);
    assert_int_equal(ms_section_classify("Allergies", 9), MS_SEC_ALLERGIES);
    assert_int_equal(ms_section_classify("hello world", 11), -1);
    const char *t = "HPI: cough for three days.\nPAST MEDICAL HISTORY:\n"
                    "Diabetes.\nFAMILY HISTORY: Father with diabetes.\n";
    ms_nlp_entity e = ent_at(t, "Diabetes", "MEDICAL_CONDITION");
    ms_nlp_entity f = ent_at(t, "diabetes.\n", "MEDICAL_CONDITION");
    f.byte_end = f.end = f.byte_begin + 8;
    ms_nlp_entity v[2] = {e, f};
    ms_sections_mark(t, strlen(t), v, 2);
    assert_int_equal(v[0].section, MS_SEC_PAST_HISTORY);
    assert_int_equal(v[1].section, MS_SEC_FAMILY_HISTORY);
    ms_context_apply(t, strlen(t), v, 2);
    assert_true(has_trait(&v[0], "PAST_HISTORY"));
    assert_true(has_trait(&v[1], "PERTAINS_TO_FAMILY"));
}

/* Headings inside a line ("..., PLAN: ...") count in capitals only; at a
 * line start "Plan:" counts as written (sections.c stops reading a
 * mid-line candidate at its first lower-case letter). */
static void test_sections_midline(void **state)
{
    (void)state;
    const char *t = "HPI: cough.\nAssessment: stable, PLAN: aspirin daily.\n"
                    "IMPRESSION: fine, Plan: insulin.\nPlan: metformin.\n";
    ms_nlp_entity v[3] = {ent_at(t, "aspirin", "MEDICATION"), ent_at(t, "insulin", "MEDICATION"),
                          ent_at(t, "metformin", "MEDICATION")};
    ms_sections_mark(t, strlen(t), v, 3);
    assert_int_equal(v[0].section, MS_SEC_PLAN);
    assert_int_equal(v[1].section, MS_SEC_CONCLUSION);
    assert_int_equal(v[2].section, MS_SEC_PLAN);
}

/* ms__sentence_end's inline shortcut answers as the full rules do at
 * every byte of a text with every kind of end. */
static void test_sentence_end_inline(void **state)
{
    (void)state;
    const char *t = "Dr. Roe saw her. No fever!  REFERRING DIAGNOSIS: pain; "
                    "why? ok.,NEXT\nHISTORY\n- item\n2. row\nLabel: yes\n"
                    "wrapped\nprose  Text. e.g. x. Done.";
    size_t len = strlen(t), ends = 0;
    for (size_t i = 0; i < len; i++) {
        bool full = ms__sentence_end_full(t, len, i);
        assert_int_equal(ms__sentence_end(t, len, i), full);
        ends += full;
    }
    assert_true(ends >= 10);
}

/* ---- PHI ---- */

static const ms_nlp_entity *phi_of(const ms_nlp_result *r, const char *text,
                                   const char *type, const char *want)
{
    for (size_t i = 0; i < r->n; i++) {
        const ms_nlp_entity *e = &r->v[i];
        if (strcmp(e->type, type) == 0 &&
            e->byte_end - e->byte_begin == strlen(want) &&
            memcmp(text + e->byte_begin, want, strlen(want)) == 0)
            return e;
    }
    print_message("missing %s '%s'\n", type, want);
    return NULL;
}

static void test_phi(void **state)
{
    (void)state;
    const char *t =
        "Patient: John Q. Public  MRN: 00123456  DOB: 03/14/1961\n"
        "Seen by Dr. Alice Moreno on March 2, 2026. 65-year-old retired teacher.\n"
        "Phone (412) 555-0188, e-mail j.public@example.org, "
        "https://portal.example.org/r/1.\n"
        "Lives at 12 Oak Street, Pittsburgh, PA 15213. Cough for 3 days.\n";
    ms_nlp_result r = {0};
    assert_int_equal(ms_phi_find(t, strlen(t), &r), 0);
    assert_non_null(phi_of(&r, t, "NAME", "John Q. Public"));
    assert_non_null(phi_of(&r, t, "ID", "00123456"));
    assert_non_null(phi_of(&r, t, "DATE", "03/14/1961"));
    assert_non_null(phi_of(&r, t, "NAME", "Alice Moreno"));
    assert_non_null(phi_of(&r, t, "DATE", "March 2, 2026"));
    assert_non_null(phi_of(&r, t, "AGE", "65"));
    assert_non_null(phi_of(&r, t, "PROFESSION", "teacher"));
    assert_non_null(phi_of(&r, t, "PHONE_OR_FAX", "(412) 555-0188"));
    assert_non_null(phi_of(&r, t, "EMAIL", "j.public@example.org"));
    assert_non_null(phi_of(&r, t, "URL", "https://portal.example.org/r/1"));
    assert_non_null(phi_of(&r, t, "ADDRESS", "12 Oak Street, Pittsburgh, PA 15213"));
    assert_non_null(phi_of(&r, t, "TIME_TO_DX_NAME", "3 days"));
    /* code-point offsets past a multi-byte character */
    const char *u = "Caf\xc3\xa9 visit 2026-01-05.";
    ms_nlp_result r2 = {0};
    assert_int_equal(ms_phi_find(u, strlen(u), &r2), 0);
    const ms_nlp_entity *d = phi_of(&r2, u, "DATE", "2026-01-05");
    assert_non_null(d);
    assert_int_equal(d->begin, 11);
    assert_int_equal(d->byte_begin, 12);
    free(r.v);
    free(r2.v);
}

/* The PHI pass's shortcuts (phi.c): a word is tried as an e-mail address
 * only when an '@' follows within 64 bytes, and as a trigger word only
 * when some trigger has its first letter and length. Neither may drop
 * what the full matchers find: the local part at the 64-byte limit, a
 * second address after the first, triggers in capitals. */
static void test_phi_prefilters(void **state)
{
    (void)state;
    char t[640], local[70], local65[70];
    memset(local, 'a', 64);
    local[64] = '\0';
    memset(local65, 'b', 65);
    local65[65] = '\0';
    snprintf(t, sizeof t,
             "Write to %s@example.org or to c_d@y.net today.\n"
             "Not an address: %s@example.org\n"
             "Aged 58. NAME: Jane Roe. Postoperative day 2.\n"
             "Seen yesterday, see www.example.org, Accession #: AB12345.\n",
             local, local65);
    char want[96];
    snprintf(want, sizeof want, "%s@example.org", local);
    ms_nlp_result r = {0};
    assert_int_equal(ms_phi_find(t, strlen(t), &r), 0);
    assert_non_null(phi_of(&r, t, "EMAIL", want));
    assert_non_null(phi_of(&r, t, "EMAIL", "c_d@y.net"));
    size_t emails = 0;
    for (size_t i = 0; i < r.n; i++)
        emails += strcmp(r.v[i].type, "EMAIL") == 0;
    assert_int_equal(emails, 2);
    assert_non_null(phi_of(&r, t, "AGE", "58"));
    assert_non_null(phi_of(&r, t, "NAME", "Jane Roe"));
    assert_non_null(phi_of(&r, t, "TIME_TO_DX_NAME", "Postoperative day 2"));
    /* the last trigger word of the list, and others */
    assert_non_null(phi_of(&r, t, "TIME_TO_DX_NAME", "yesterday"));
    assert_non_null(phi_of(&r, t, "URL", "www.example.org"));
    assert_non_null(phi_of(&r, t, "ID", "AB12345"));
    free(r.v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_context_triggers),
        cmocka_unit_test(test_context_coordination),
        cmocka_unit_test(test_context_list_rows),
        cmocka_unit_test(test_context_uncertainty),
        cmocka_unit_test(test_context_hypothetical),
        cmocka_unit_test(test_context_allergies),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_sections_midline),
        cmocka_unit_test(test_sentence_end_inline),
        cmocka_unit_test(test_phi),
        cmocka_unit_test(test_phi_prefilters),
        cmocka_unit_test(test_negex_eval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
