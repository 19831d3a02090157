/* test_status.c -- what the patient is told never contradicts the report:
 * section roles, report types, one status per condition over the whole
 * report (a conclusion outranks the reason for the report), allergies
 * with their reaction, bills that list tests without diagnosing them, and
 * the shape of the patient text. Each case runs the local engine over a
 * short report, as the pipeline does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/doc.h"
#include "nlp/nlp.h"
#include "nlp/sections.h"
#include "stages/chunk.h"
#include "stages/findings.h"
#include "stages/report_type.h"
#include "testutil.h"

static ms_nlp_engine *engine;

static int setup(void **state)
{
    (void)state;
    engine = ms_nlp_engine_new();
    return engine ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ms_nlp_engine_free(engine);
    return 0;
}

/* The report as the pipeline sees it: chunked, each chunk through the
 * local engine. */
static ms_doc *doc_of(const char *text)
{
    ms_doc *d = ms_doc_new();
    assert_non_null(d);
    d->text = strdup(text);
    d->text_len = strlen(text);
    d->text_chars = ms_utf8_chars(text, d->text_len);
    d->npages = 1;
    ms_chunk_opts o;
    ms_chunk_opts_default(&o);
    ms_page pg = {0, d->text_len};
    assert_int_equal(ms_chunk_text(d->text, d->text_len, &pg, 1, &o, &d->chunks, &d->nchunks,
                                   NULL, NULL),
                     0);
    ms_test_extract_local(engine, d);
    return d;
}

typedef struct run {
    ms_doc *doc;
    ms_findings f;
    json_t *j;           /* findings JSON */
    char *text;          /* patient text */
} run;

static void run_of(run *r, const char *report)
{
    r->doc = doc_of(report);
    assert_int_equal(ms_findings_build(r->doc, &r->f), 0);
    r->j = ms_findings_json(&r->f);
    assert_non_null(r->j);
    r->text = ms_findings_patient_text(&r->f);
    assert_non_null(r->text);
}

static void run_free(run *r)
{
    free(r->text);
    json_decref(r->j);
    ms_findings_free(&r->f);
    ms_doc_free(r->doc);
}

/* The status lists that name a condition (canonical or text, any case);
 * "" when none. Each condition must be in at most one list. */
static const char *status_of(const run *r, const char *name)
{
    static const char *const lists[] = {"affirmed", "negated", "uncertain", "historical",
                                        "family", "not_patient"};
    json_t *cond = json_object_get(r->j, "conditions");
    const char *found = "";
    for (size_t l = 0; l < sizeof lists / sizeof *lists; l++) {
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(cond, lists[l]), i, c) {
            const char *can = json_string_value(json_object_get(c, "canonical"));
            const char *txt = json_string_value(json_object_get(c, "text"));
            if ((can && strcasecmp(can, name) == 0) || (txt && strcasecmp(txt, name) == 0)) {
                assert_string_equal(found, ""); /* never in two lists */
                found = lists[l];
                assert_string_equal(json_string_value(json_object_get(c, "status")), lists[l]);
            }
        }
    }
    return found;
}

/* How many entities (any category) have this canonical name. */
static int count_of(const run *r, const char *canonical)
{
    int n = 0;
    for (size_t i = 0; i < r->f.all.n; i++)
        n += r->f.all.v[i].canonical && strcmp(r->f.all.v[i].canonical, canonical) == 0;
    return n;
}

/* A medication's "negated" (not taken) by generic name: 1, 0, or -1
 * when it is not listed. */
static int med_not_taken(const run *r, const char *generic)
{
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(r->j, "medications"), i, m) {
        const char *g = json_string_value(json_object_get(m, "generic"));
        if (g && strcasecmp(g, generic) == 0)
            return json_is_true(json_object_get(m, "negated"));
    }
    return -1;
}

static void test_section_roles(void **state)
{
    (void)state;
    static const struct {
        const char *heading;
        ms_section_role role;
    } cases[] = {
        {"IMPRESSION", MS_ROLE_CONCLUSION},        {"Final Diagnosis", MS_ROLE_CONCLUSION},
        {"Dx", MS_ROLE_CONCLUSION},                {"A/P", MS_ROLE_CONCLUSION},
        {"Assessment and Plan", MS_ROLE_CONCLUSION}, {"Postoperative diagnosis", MS_ROLE_CONCLUSION},
        {"Clinical history", MS_ROLE_REASON},      {"Indication", MS_ROLE_REASON},
        {"Reason for exam", MS_ROLE_REASON},       {"Preoperative diagnosis", MS_ROLE_REASON},
        {"History of present illness", MS_ROLE_REASON},
        {"Findings", MS_ROLE_FINDINGS},            {"Microscopic description", MS_ROLE_FINDINGS},
        {"Physical examination", MS_ROLE_FINDINGS},
        {"Plan", MS_ROLE_PLAN},                    {"Recommendations", MS_ROLE_PLAN},
        {"Follow-up", MS_ROLE_PLAN},               {"Discharge instructions", MS_ROLE_PLAN},
        {"Past Medical History", MS_ROLE_HISTORY}, {"Family history", MS_ROLE_HISTORY},
        {"Medications", MS_ROLE_MEDICATIONS},      {"Allergies", MS_ROLE_ALLERGIES},
        {"Charges", MS_ROLE_ADMIN},                {"Tests ordered", MS_ROLE_ADMIN},
        {"Technique", MS_ROLE_OTHER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int s = ms_section_classify(cases[i].heading, strlen(cases[i].heading));
        if (s < 0 || ms_section_role_of((ms_nlp_section)s) != cases[i].role)
            fail_msg("heading '%s': section %d, role %s, want %s", cases[i].heading, s,
                     s < 0 ? "-" : ms_section_role_name(ms_section_role_of((ms_nlp_section)s)),
                     ms_section_role_name(cases[i].role));
    }
}

static void test_report_types(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        ms_report_type want;
    } cases[] = {
        {"SURGICAL PATHOLOGY REPORT\nSpecimen: skin\nDIAGNOSIS: naevus\n", MS_REPORT_PATHOLOGY},
        {"CT CHEST WITH CONTRAST\nINDICATION: cough\nFINDINGS: clear\nIMPRESSION: normal\n",
         MS_REPORT_RADIOLOGY},
        {"DISCHARGE SUMMARY\nHOSPITAL COURSE: improved\n", MS_REPORT_DISCHARGE},
        {"OPERATIVE REPORT\nPREOPERATIVE DIAGNOSIS: hernia\nANESTHESIA: general\n",
         MS_REPORT_OPERATIVE},
        {"Clinic letter\nDear Dr Smith,\nThank you for referring this man.\n", MS_REPORT_CLINIC},
        {"INVOICE 2231\nItem  CPT  Amount\nLipid panel $12.00\nHbA1c $9.00\nTotal due $21.00\n",
         MS_REPORT_BILLING},
        {"New patient intake form\nDiabetes: No\nAsthma: Yes\nHeart disease: No\nCancer: No\n",
         MS_REPORT_INTAKE},
        {"LABORATORY REPORT\nSodium  139 mmol/L  (135-145)\n", MS_REPORT_LAB},
        {"Rx: amoxicillin 500 mg\nSig: one capsule three times a day\nDispense: 21\nRefills: 0\n",
         MS_REPORT_PRESCRIPTION},
        {"Meeting notes about the garden.\n", MS_REPORT_OTHER},
        /* a clinic letter quoting its bloods with ranges stays a clinic note */
        {"GASTROENTEROLOGY CLINIC\nReason for referral: anaemia.\nBloods: Hb 98 g/L (130-170) L, "
         "MCV 71 fL (80-100) L, ferritin 6 ug/L (30-400) L, CRP 3 mg/L (<5).\nImpression: iron "
         "deficiency.\nPlan: colonoscopy.\n", MS_REPORT_CLINIC},
        {"ECHOCARDIOGRAM REPORT\nIndication: murmur.\nFindings: moderate aortic stenosis.\n"
         "Conclusion: preserved systolic function.\n", MS_REPORT_RADIOLOGY},
        {"OPERATION NOTE\nProcedure: laparoscopic cholecystectomy.\nIndication: gallstones. "
         "Ultrasound showed stones.\n", MS_REPORT_OPERATIVE},
        /* a pathology report that names the scans which found the lesion */
        {"CLINICAL HISTORY: a lesion on her chest x-ray; CT scan of the chest showed a mass.\n"
         "SPECIMEN: lung resection.\nIMMUNOHISTOCHEMICAL STUDIES: tumour cells stain with "
         "vimentin.\nFINAL DIAGNOSIS: Histologic type: carcinoma.\n",
         MS_REPORT_PATHOLOGY},
        /* a short form is not all title: "panel" below the title is no
         * lab-report cue */
        {"LABORATORY REQUISITION\nPatient: A (fictional)\nClinical information: fatigue\n"
         "Tests requested:\n[x] CBC     [x] TSH\n[x] Lipid panel\n",
         MS_REPORT_BILLING},
        /* a review of systems in prose is no form of Yes/No answers */
        {"HISTORY: prostate cancer.\nREVIEW OF SYSTEMS: Eyes: No change in vision. Mouth: No dysphagia. "
         "Cardiac: No angina. GI: No nausea. Skin: No ulcers.\nPHYSICAL EXAMINATION: well.\n"
         "PLAN: surgery.\n", MS_REPORT_CLINIC},
        /* "capillary refills" is an examination, not a prescription's */
        {"HISTORY: a hand laceration.\nSOCIAL HISTORY: student.\nREVIEW OF SYSTEMS: well.\n"
         "EXAM: capillary refills less than 2 seconds.\nASSESSMENT: laceration.\n"
         "PLAN: he will be given a prescription of ibuprofen.\n", MS_REPORT_CLINIC},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ms_report_type t = ms_report_type_detect(cases[i].text, strlen(cases[i].text), 0);
        if (t != cases[i].want)
            fail_msg("case %zu: %s, want %s", i, ms_report_type_name(t),
                     ms_report_type_name(cases[i].want));
    }
    /* a clinic note that mentions insurance and a payment is not a bill */
    const char *note = "HISTORY OF PRESENT ILLNESS: cough.\nHer insurance changed; payment "
                       "plan discussed.\nASSESSMENT: bronchitis.\n";
    assert_int_equal(ms_report_type_detect(note, strlen(note), 0), MS_REPORT_CLINIC);
    assert_int_equal(ms_report_type_detect(NULL, 0, 0), MS_REPORT_OTHER);
}

/* Query melanoma in the history, no evidence of it in the diagnosis: the
 * conclusion rules it out, and the benign diagnosis is said first. */
static void test_conclusion_outranks_reason(void **state)
{
    (void)state;
    run r;
    run_of(&r, "SURGICAL PATHOLOGY REPORT\n\nCLINICAL HISTORY\nChanging pigmented lesion. "
               "Query melanoma.\n\nDIAGNOSIS\nCompound dysplastic naevus with moderate atypia. "
               "No evidence of melanoma.\n");
    assert_string_equal(status_of(&r, "melanoma"), "negated");
    assert_string_equal(status_of(&r, "dysplastic nevus"), "affirmed");
    const char *concl = strstr(r.text, "What the report concludes:");
    const char *nevus = strstr(r.text, "dysplastic nevus");
    const char *ruled = strstr(r.text, "you do not have");
    assert_non_null(concl);
    assert_non_null(nevus);
    assert_non_null(ruled);
    assert_true(concl < nevus && nevus < ruled);
    assert_true(strstr(r.text, "melanoma") > ruled); /* named only as ruled out */
    run_free(&r);

    /* the reverse: ruled out as a question, found in the findings */
    run_of(&r, "CT ABDOMEN\nINDICATION: Rule out appendicitis.\nFINDINGS: Acute appendicitis "
               "with a dilated appendix.\n");
    assert_string_equal(status_of(&r, "appendicitis"), "affirmed");
    run_free(&r);

    /* a benign conclusion is stated, the cancer asked about ruled out */
    run_of(&r, "SURGICAL PATHOLOGY\nClinical history: Breast mass. ? carcinoma.\nFinal "
               "diagnosis: Fibroadenoma. Negative for malignancy.\n");
    assert_string_equal(status_of(&r, "fibroadenoma"), "affirmed");
    assert_string_equal(status_of(&r, "malignant neoplasm"), "negated");
    run_free(&r);

    /* a generic cancer question answered by a named cancer is not left
     * open beside it; a ruled-out spread stays ruled out */
    run_of(&r, "PATHOLOGY REPORT\nCLINICAL HISTORY: Colon mass, rule out carcinoma.\nFINAL "
               "DIAGNOSIS: Adenocarcinoma, moderately differentiated. No evidence of metastatic "
               "cancer in 14 lymph nodes.\n");
    assert_string_equal(status_of(&r, "adenocarcinoma"), "affirmed");
    assert_string_equal(status_of(&r, "malignant neoplasm"), "not_patient");
    assert_string_equal(status_of(&r, "metastatic cancer"), "negated");
    run_free(&r);

    /* only a question: uncertain, never present */
    run_of(&r, "CHEST X-RAY\nCLINICAL HISTORY: ?pneumonia\nFINDINGS: Lungs are clear.\n");
    assert_string_not_equal(status_of(&r, "pneumonia"), "affirmed");
    run_free(&r);
}

/* A doubt the report settles, a stay's first diagnosis against its last,
 * the writer's doubt, the patient's worry: none becomes a diagnosis. */
static void test_doubts_settled(void **state)
{
    (void)state;
    run r;
    /* considered, then a negative test: ruled out (rule 3b) */
    run_of(&r, "HOSPITAL COURSE\nPulmonary embolism was considered but CTA chest was negative "
               "for pulmonary embolism.\n");
    assert_string_equal(status_of(&r, "pulmonary embolism"), "negated");
    run_free(&r);
    /* the reverse order stays a doubt: a negative, then "cannot be excluded" */
    run_of(&r, "IMPRESSION\nNo pneumonia on the film. Early pneumonia cannot be excluded.\n");
    assert_string_equal(status_of(&r, "pneumonia"), "uncertain");
    run_free(&r);
    /* the admission diagnosis is where the stay began, the discharge
     * diagnosis where it ended */
    run_of(&r, "DISCHARGE SUMMARY\nAdmission diagnosis: Chest pain, possible myocardial "
               "infarction.\nDischarge diagnosis: Musculoskeletal chest pain. Myocardial "
               "infarction excluded.\n");
    assert_string_equal(status_of(&r, "myocardial infarction"), "negated");
    run_free(&r);
    /* "doubt" leans against without ruling out: never concluded */
    run_of(&r, "ASSESSMENT\nMigraine without aura. Doubt subarachnoid hemorrhage given the "
               "typical pattern.\n");
    assert_string_equal(status_of(&r, "subarachnoid hemorrhage"), "uncertain");
    run_free(&r);
    run_of(&r, "ASSESSMENT\nNo doubt this is pneumonia.\n");
    assert_string_equal(status_of(&r, "pneumonia"), "affirmed");
    run_free(&r);
    /* an examiner who could not find it: not found, never present */
    run_of(&r, "PHYSICAL EXAMINATION\nAbdomen: Soft. Unable to appreciate any organomegaly "
               "as she is sitting in a wheelchair.\n");
    assert_string_equal(status_of(&r, "organomegaly"), "negated");
    run_free(&r);
    /* "consolidation" is a lung finding only beside a chest word */
    run_of(&r, "CHEST X-RAY\nFINDINGS: Consolidation in the right lower lobe.\n");
    assert_string_equal(status_of(&r, "consolidation in the right lower lobe"), "affirmed");
    run_free(&r);
    run_of(&r, "ONCOLOGY NOTE\nPLAN: She will start consolidation chemotherapy next week.\n");
    assert_null(strstr(r.text, "lung"));
    run_free(&r);
    /* a diagnosis "resolved" after its cause is in the past, cause and all;
     * a ruled-out cause leaves the symptom present */
    run_of(&r, "DISCHARGE SUMMARY\nDISCHARGE DIAGNOSES: 1. Sepsis secondary to urinary tract "
               "infection, resolved.\n2. Chest pain due to cardiac ischemia, ruled out.\n");
    assert_string_equal(status_of(&r, "sepsis"), "historical");
    assert_string_equal(status_of(&r, "urinary tract infection"), "historical");
    assert_string_equal(status_of(&r, "chest pain"), "affirmed");
    run_free(&r);
    /* the patient's worry with a doubt word in it is still only a worry */
    run_of(&r, "CLINIC NOTE\nHPI: She is worried she might have diabetes because her sister "
               "does.\n");
    assert_string_equal(status_of(&r, "diabetes mellitus"), "not_patient");
    run_free(&r);
    /* an examiner's "not palpated" negates; a screening looks without
     * suspicion; a denial about the family is about the family */
    run_of(&r, "CLINIC NOTE\nINDICATIONS: Colonoscopy to screen for colon cancer.\nEXAM: The "
               "abdomen was obese and organomegaly was not palpated.\nFAMILY HISTORY: Father "
               "with gastric carcinoma. The patient denies any history of ovarian cancer in "
               "her family.\n");
    assert_string_equal(status_of(&r, "organomegaly"), "negated");
    assert_string_equal(status_of(&r, "colon cancer"), "not_patient");
    assert_string_equal(status_of(&r, "ovarian cancer"), "not_patient");
    run_free(&r);
    /* a heading names a topic, and its answer can still be a no */
    run_of(&r, "PSYCHIATRIC EVALUATION\nPAST AND PRESENT ALCOHOL USE:,  None.,SUBSTANCE ABUSE "
               "HISTORY:, Reviewed.\n");
    assert_string_equal(status_of(&r, "alcohol use"), "negated");
    assert_string_equal(status_of(&r, "substance use disorder"), "not_patient");
    run_free(&r);
    /* a consent risk inside a negation's reach is nobody's finding */
    run_of(&r, "CONSULT\nRadical prostatectomy with or without nerve sparing was discussed "
               "with him with the risks of bleeding, infection and rectal injury.\n");
    assert_string_equal(status_of(&r, "rectal injury"), "not_patient");
    run_free(&r);
    /* what the family does not have is nobody's problem in the summary */
    run_of(&r, "CLINIC NOTE\nHPI: No family history of colon cancer.\nFAMILY HISTORY: "
               "Mother with breast cancer. Father: no heart disease.\n");
    assert_string_equal(status_of(&r, "colon cancer"), "not_patient");
    assert_string_equal(status_of(&r, "heart disease"), "not_patient");
    assert_string_equal(status_of(&r, "breast cancer"), "family");
    assert_null(strstr(r.text, "colon"));
    assert_null(strstr(r.text, "heart disease"));
    run_free(&r);
    /* the patient's own denials run on into a family-history section; an
     * "SHX:" heading ends the family history */
    run_of(&r, "FAMILY HISTORY: Breast lump in her mother. The patient denies any palpitations "
               "or hair loss.\nFHX:, Father died, MI age 61.,SHX:, Denied tobacco use.,EXAM:, "
               "Normal.\n");
    assert_string_equal(status_of(&r, "palpitations"), "negated");
    assert_string_equal(status_of(&r, "tobacco use"), "negated");
    assert_string_equal(status_of(&r, "myocardial infarction"), "family");
    run_free(&r);
    /* the patient's fear is not the report's suspicion */
    run_of(&r, "HISTORY OF PRESENT ILLNESS\nShe is worried about having cancer because her "
               "sister has it.\n");
    assert_string_not_equal(status_of(&r, "malignant neoplasm"), "affirmed");
    assert_string_not_equal(status_of(&r, "malignant neoplasm"), "uncertain");
    assert_null(strstr(r.text, "cancer"));
    run_free(&r);
    /* consent risks in an operative note's findings: not the patient's */
    run_of(&r, "FINDINGS\nInflamed gallbladder. Risks including bleeding, infection, bile duct "
               "injury and conversion to open surgery were discussed.\n");
    assert_string_equal(status_of(&r, "bile duct injury"), "not_patient");
    run_free(&r);
    /* a consent's list of risks, one row per item */
    run_of(&r, "PROCEDURE\nThe risks were explained. Potential complications include, but are "
               "not limited to:,1.  Infection.,2.  Bleeding.,3.  Incontinence.,4.  Deep venous "
               "thrombosis.,5.  Recurrence of the cancer.\nFINDINGS\nThe prostate was "
               "enlarged. There was incontinence of urine on the table.\n");
    assert_string_equal(status_of(&r, "deep vein thrombosis"), "not_patient");
    assert_string_equal(status_of(&r, "incontinence"), "not_patient");
    assert_string_equal(status_of(&r, "urinary incontinence"), "affirmed"); /* the findings' own */
    run_free(&r);
    /* a condition in the story stays a possibility */
    run_of(&r, "HISTORY OF PRESENT ILLNESS\nShe asks if she has a urinary tract infection.\n");
    assert_string_equal(status_of(&r, "urinary tract infection"), "uncertain");
    run_free(&r);
}

/* What a cause, a workup and an open question do to a condition's
 * status (the triggers in context_triggers.c, found on MTSamples notes
 * outside the development sets). */
static void test_causes_and_questions(void **state)
{
    (void)state;
    run r;
    run_of(&r, "ASSESSMENT AND PLAN\n"
               "1. Chest pain. He is undergoing angiography to determine if his symptoms are "
               "due to coronary artery disease.\n"
               "2. This essentially excludes pulmonary embolism as a cause of her elevated "
               "troponin.\n"
               "3. It is not certain whether there is a Babinski sign or simply withdrawal.\n"
               "4. There is a concern that the patient had a low-grade fever.\n"
               "5. Rule out dementia secondary to substance abuse.\n"
               "6. Hypercalcemia. Discuss with family before undertaking any workup for "
               "multiple myeloma.\n"
               "7. Headache, probably secondary to contusion.\n"
               "8. He could not walk due to pain.\n"
               "9. Neuropathy, unclear if it was due to his diabetes.\n"
               "10. It was not clear whether her nausea and abdominal pain were due to "
               "gastritis or peptic ulcer disease.\n"
               "11. This is considered a life-threatening admission with a hemorrhage in the "
               "temporal lobe.\n");
    assert_string_equal(status_of(&r, "coronary artery disease"), "not_patient");
    assert_string_equal(status_of(&r, "pulmonary embolism"), "negated");
    assert_string_equal(status_of(&r, "elevated troponin"), "affirmed");
    assert_string_equal(status_of(&r, "Babinski sign"), "uncertain");
    assert_string_equal(status_of(&r, "fever"), "uncertain");
    assert_string_equal(status_of(&r, "dementia"), "uncertain");
    assert_string_equal(status_of(&r, "substance use disorder"), "uncertain");
    assert_string_equal(status_of(&r, "multiple myeloma"), "not_patient");
    assert_string_equal(status_of(&r, "hypercalcemia"), "affirmed");
    assert_string_equal(status_of(&r, "contusion"), "affirmed");
    assert_string_equal(status_of(&r, "pain"), "affirmed");
    assert_string_equal(status_of(&r, "diabetes mellitus"), "affirmed");
    assert_string_equal(status_of(&r, "abdominal pain"), "affirmed");
    assert_string_equal(status_of(&r, "nausea"), "affirmed");
    assert_string_equal(status_of(&r, "peptic ulcer disease"), "uncertain");
    assert_string_equal(status_of(&r, "hemorrhage in the temporal lobe"), "affirmed");
    run_free(&r);
    /* a finding word with its site after it keeps that site's status */
    run_of(&r, "FINDINGS\nMild erythema of the right nasopharynx. There was no edema or "
               "erythema to the epiglottis.\n");
    assert_string_equal(status_of(&r, "erythema of the right nasopharynx"), "affirmed");
    assert_string_equal(status_of(&r, "erythema to the epiglottis"), "negated");
    assert_string_equal(status_of(&r, "edema"), "negated");
    run_free(&r);
    /* test names in a list that ends in a test head; a habit's "non-"; a
     * form label answered "The patient denies"; an educational "may also" */
    run_of(&r, "HISTORY OF PRESENT ILLNESS\nHIV, HTLV-1, HSV, Lyme, EBV, Malaria and CMV "
               "serological titers were negative. VDRL and HIV testing was unremarkable. "
               "She has diabetes, hypertension and asthma.\n"
               "SOCIAL HISTORY\nHe is a non-cigarette smoker.\n"
               "MENTAL STATUS\nSuicidal Ideation:  The patient denies on admission.\n"
               "ASSESSMENT\nIt may also be seen as part of a paraneoplastic syndrome.\n");
    assert_string_equal(status_of(&r, "HIV infection"), "");
    assert_string_equal(status_of(&r, "Lyme disease"), "");
    assert_string_equal(status_of(&r, "malaria"), "");
    assert_string_equal(status_of(&r, "diabetes mellitus"), "affirmed");
    assert_string_equal(status_of(&r, "hypertension"), "affirmed");
    assert_string_equal(status_of(&r, "tobacco use"), "negated");
    assert_string_equal(status_of(&r, "suicidal ideation"), "negated");
    assert_string_equal(status_of(&r, "paraneoplastic syndrome"), "uncertain");
    run_free(&r);
    run_of(&r, "ASSESSMENT\nThe patient is unlikely to have bipolar disorder. No other "
               "evidence of secondary bacterial infection. He was started on empiric treatment "
               "for toxoplasmosis. He is being evaluated for inflammatory bowel disease. "
               "Patient completed a benign prostatic hypertrophy questionnaire.\n");
    assert_string_equal(status_of(&r, "bipolar disorder"), "uncertain");
    assert_string_equal(status_of(&r, "bacterial infection"), "negated");
    assert_string_equal(status_of(&r, "toxoplasmosis"), "uncertain");
    assert_string_equal(status_of(&r, "inflammatory bowel disease"), "not_patient");
    run_free(&r);
    /* worked up for a symptom: the symptom is the patient's */
    run_of(&r, "CLINICAL HISTORY\nA 48-year-old smoker found to have a lung mass and is being "
               "evaluated for chest pain. He was tested for HIV.\n");
    assert_string_equal(status_of(&r, "chest pain"), "affirmed");
    assert_string_equal(status_of(&r, "HIV infection"), "uncertain");
    assert_string_equal(status_of(&r, "benign prostatic hyperplasia"), "");
    run_free(&r);
    /* a cause still ends a history: the reason for this admission is now */
    run_of(&r, "HISTORY OF PRESENT ILLNESS\nA man with a history of COPD, admitted secondary to "
               "shortness of breath and productive cough.\n");
    assert_string_equal(status_of(&r, "dyspnea"), "affirmed");
    run_free(&r);
}

/* A cancer found, its margins clear, its nodes free: never "you do not
 * have cancer", never metastasis present from "0/3 nodes positive". */
static void test_margins_and_node_counts(void **state)
{
    (void)state;
    run r;
    run_of(&r, "SURGICAL PATHOLOGY REPORT\nCLINICAL HISTORY: Left breast mass. Rule out "
               "carcinoma.\nDIAGNOSIS:\nA. Left breast, lumpectomy: Invasive ductal carcinoma, "
               "grade 2.\n   Margins negative for carcinoma.\nB. Additional lymph node: 0/3 lymph "
               "nodes positive for metastatic carcinoma.\n");
    assert_string_equal(status_of(&r, "invasive ductal carcinoma"), "affirmed");
    assert_string_not_equal(status_of(&r, "malignant neoplasm"), "negated");
    assert_string_not_equal(status_of(&r, "malignant neoplasm"), "uncertain");
    assert_string_equal(status_of(&r, "metastatic cancer"), "negated");
    assert_null(strstr(r.text, "(malignant neoplasm)"));
    run_free(&r);
}

/* An assessment and plan concludes; its return precautions are not
 * "possible" conditions; a referral is a next step. */
static void test_assessment_and_plan(void **state)
{
    (void)state;
    run r;
    run_of(&r, "PROGRESS NOTE\nHPI: He denies chest pain.\nAssessment/Plan:\n"
               "1. Hypertension - not at goal.\n2. Suspected obstructive sleep apnea - refer "
               "for a sleep study.\nReturn sooner if chest pain or shortness of breath.\n");
    assert_string_equal(status_of(&r, "hypertension"), "affirmed");
    assert_string_equal(status_of(&r, "obstructive sleep apnea"), "uncertain");
    assert_string_equal(status_of(&r, "chest pain"), "negated");
    assert_string_equal(status_of(&r, "dyspnea"), "not_patient");
    const char *concl = strstr(r.text, "What the report concludes:");
    assert_non_null(concl);
    assert_true(strstr(r.text, "high blood pressure") > concl);
    const char *next = strstr(r.text, "Next steps the report suggests:");
    assert_non_null(next);
    assert_true(strstr(r.text, "(sleep study)") > next);
    run_free(&r);
}

/* Said both ways: one status, and the text says so in plain words. */
static void test_one_status_mixed(void **state)
{
    (void)state;
    run r;
    run_of(&r, "DISCHARGE SUMMARY\nHISTORY OF PRESENT ILLNESS\nThree days of fever and "
               "cough.\nHOSPITAL COURSE\nShe improved. No fever after day 2.\n"
               "DIAGNOSES\n- Community-acquired pneumonia.\n");
    assert_string_equal(status_of(&r, "fever"), "affirmed");
    assert_non_null(strstr(r.text, "At another point the report says it was not there"));
    /* fever is listed once */
    const char *first = strstr(r.text, "fever");
    assert_non_null(first);
    const char *again = strstr(first + 1, "\n- fever");
    assert_null(again);
    run_free(&r);
}

static void test_evidence(void **state)
{
    (void)state;
    run r;
    run_of(&r, "INDICATION: Query melanoma.\nDIAGNOSIS: No evidence of melanoma.\n");
    json_t *neg = json_object_get(json_object_get(r.j, "conditions"), "negated");
    assert_int_equal(json_array_size(neg), 1);
    json_t *c = json_array_get(neg, 0);
    assert_true(json_is_true(json_object_get(c, "concluded")));
    json_t *ms = json_object_get(c, "mentions");
    assert_int_equal(json_array_size(ms), 2);
    json_t *m0 = json_array_get(ms, 0), *m1 = json_array_get(ms, 1);
    assert_string_equal(json_string_value(json_object_get(m0, "section")), "reason");
    assert_string_equal(json_string_value(json_object_get(m1, "section")), "conclusion");
    assert_string_equal(json_string_value(json_object_get(m1, "status")), "negated");
    assert_true(json_integer_value(json_object_get(m0, "begin")) <
                json_integer_value(json_object_get(m1, "begin")));
    run_free(&r);
}

/* "Sulfa drugs: anaphylactoid reaction" is an allergy with its reaction,
 * never a condition; an EpiPen in the list is what the patient carries. */
static void test_allergy_reaction(void **state)
{
    (void)state;
    run r;
    run_of(&r, "CLINIC NOTE\nALLERGIES:\nSulfa drugs: anaphylactoid reaction\nPenicillin - "
               "hives\nCarries an EpiPen.\nASSESSMENT: Asthma.\n");
    json_t *al = json_object_get(r.j, "allergies");
    bool penicillin = false, reaction = false;
    size_t i;
    json_t *a;
    json_array_foreach(al, i, a) {
        const char *can = json_string_value(json_object_get(a, "canonical"));
        const char *re = json_string_value(json_object_get(a, "reaction"));
        assert_false(can && strcmp(can, "epinephrine") == 0);
        if (can && strcmp(can, "penicillin") == 0) {
            penicillin = true;
            assert_non_null(re);
        }
        reaction |= re != NULL;
    }
    assert_true(penicillin);
    assert_true(reaction);
    assert_string_equal(status_of(&r, "hives"), "");
    assert_string_equal(status_of(&r, "urticaria"), "");
    assert_string_equal(status_of(&r, "asthma"), "affirmed");
    assert_non_null(strstr(r.text, "Allergies:"));
    run_free(&r);
}

/* The allergen named by no entry of any lexicon: (name, reaction or NULL)
 * of findings.allergies, or "-" when absent. */
static const char *allergy_reaction(const run *r, const char *name)
{
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(r->j, "allergies"), i, a) {
        const char *can = json_string_value(json_object_get(a, "canonical"));
        if (can && strcmp(can, name) == 0) {
            const char *re = json_string_value(json_object_get(a, "reaction"));
            return re ? re : "";
        }
    }
    return "-";
}

/* Allergies to what is not a medicine, where an allergy is told; never
 * elsewhere, never after a no; a reaction from the allergen's sentence. */
static void test_allergens(void **state)
{
    (void)state;
    run r;
    run_of(&r, "INTAKE FORM\nALLERGIES: Latex - rash. Shellfish - throat swelling. Iodinated "
               "contrast - hives.\nHISTORY: She is allergic to strawberries.\nPROCEDURE: Latex-free "
               "gloves were used and the wound was closed with tape.\n");
    assert_string_equal(allergy_reaction(&r, "latex"), "rash");
    assert_string_equal(allergy_reaction(&r, "shellfish"), "throat swelling");
    assert_string_equal(allergy_reaction(&r, "contrast dye"), "hives");
    assert_string_equal(allergy_reaction(&r, "strawberries"), "");
    assert_string_equal(allergy_reaction(&r, "adhesive tape"), "-");
    assert_non_null(strstr(r.text, "- latex (reaction: "));
    run_free(&r);
    run_of(&r, "ALLERGIES: No known drug allergies but allergic to eggs. No latex allergy.\n"
               "REVIEW OF SYSTEMS:\nALLERGY/IMMUNOLOGIC: Seasonal allergies.\nCARDIOVASCULAR: "
               "Hypercholesterolemia.\n");
    assert_string_equal(allergy_reaction(&r, "eggs"), "");
    assert_string_equal(allergy_reaction(&r, "latex"), "-");
    assert_string_equal(status_of(&r, "hypercholesterolemia"), "affirmed");
    run_free(&r);
}

/* A bill that lists tests by name tells the patient nothing about what
 * they have. */
static void test_bill_is_not_a_diagnosis(void **state)
{
    (void)state;
    run r;
    run_of(&r, "INVOICE\nStatement date 2026-01-02\nDescription            Amount\n"
               "H. pylori stool antigen   $45.00\nSTI panel                 $120.00\n"
               "Hepatitis C antibody      $30.00\nTotal due                 $195.00\n");
    json_t *cond = json_object_get(r.j, "conditions");
    assert_int_equal(json_array_size(json_object_get(cond, "affirmed")), 0);
    assert_int_equal(json_array_size(json_object_get(cond, "negated")), 0);
    assert_int_equal(json_array_size(json_object_get(cond, "uncertain")), 0);
    assert_non_null(strstr(r.text, "bill"));
    assert_non_null(strstr(r.text, "does not say what you have"));
    assert_null(strstr(r.text, "concludes"));
    assert_null(strstr(r.text, "Problems the report mentions"));
    run_free(&r);
}

/* A form's answers decide: "No" next to a field is not a negation of the
 * field after it. */
static void test_form_answers(void **state)
{
    (void)state;
    run r;
    run_of(&r, "NEW PATIENT INTAKE FORM\nMEDICAL HISTORY (check yes or no)\n"
               "Diabetes: No          Asthma: Yes          High blood pressure: No\n"
               "Thyroid disease: Yes (hypothyroidism)     Seizures: No\n");
    assert_string_equal(status_of(&r, "diabetes mellitus"), "negated");
    assert_string_equal(status_of(&r, "hypertension"), "negated");
    assert_string_not_equal(status_of(&r, "asthma"), "negated");
    assert_string_not_equal(status_of(&r, "asthma"), "");
    assert_string_not_equal(status_of(&r, "hypothyroidism"), "negated");
    assert_non_null(strstr(r.text, "It is not a diagnosis"));
    assert_non_null(strstr(r.text, "The form says no to these:"));
    run_free(&r);
    /* a flattened transcription: "SMOKING EXPOSURE: , None." */
    run_of(&r, "MEDICATIONS: , None.,SMOKING EXPOSURE: , None.,IMMUNIZATIONS: , None.\n");
    assert_string_not_equal(status_of(&r, "tobacco use"), "affirmed");
    run_free(&r);
}

/* Rules of the engine that the statuses rely on: a heading is not a
 * trigger for the text below it, a sentence wrapped by the layout keeps
 * its trigger, a test's name is not a condition, a lab's "if persistent"
 * is not a diagnosis. */
static void test_mentions_in_context(void **state)
{
    (void)state;
    run r;
    run_of(&r, "HISTORY OF PRESENT ILLNESS\nThree days of fever and cough.\n");
    assert_string_equal(status_of(&r, "fever"), "affirmed");
    run_free(&r);
    /* a doubt about the cause leaves the finding; a vaccine's disease in a
     * sentence about vaccines */
    run_of(&r, "PLAN: Immunizations discussed and updated with hepatitis B.\nASSESSMENT: "
               "Upper gastrointestinal bleed likely secondary to gastritis.\n");
    assert_string_equal(status_of(&r, "hepatitis B"), "");
    assert_string_equal(status_of(&r, "upper gastrointestinal bleeding"), "affirmed");
    run_free(&r);

    run_of(&r, "Disposition: home. Watch for signs of infection or deep vein\n"
               "thrombosis: calf swelling, redness, fever.\n");
    assert_string_equal(status_of(&r, "fever"), "not_patient");
    assert_string_equal(status_of(&r, "deep vein thrombosis"), "not_patient");
    run_free(&r);

    run_of(&r, "LIVER PANEL\nHepatitis serology has been added on request. HIV antibody "
               "screen sent.\n");
    assert_string_equal(status_of(&r, "hepatitis"), "");
    assert_string_equal(status_of(&r, "HIV"), "");
    run_free(&r);

    /* a consent discussion: what it names is nobody's finding, sentence
     * triggers or not; the reason for the operation before it stays */
    run_of(&r, "HISTORY: Progressive weakness of both legs from a herniated disc.\n"
               "The operation, its risks and benefits were discussed with her. Bleeding could "
               "form a hematoma that may compress the cord and result in numbness of the legs. "
               "She can also have a stroke during the procedure. She understood these risks and "
               "agreed to proceed.\nFINDINGS: A large herniated disc at L4-5.\n");
    assert_string_equal(status_of(&r, "cerebrovascular accident"), "not_patient");
    assert_string_equal(status_of(&r, "numbness"), "not_patient");
    assert_string_equal(status_of(&r, "hematoma"), "not_patient");
    assert_string_equal(status_of(&r, "herniated disc"), "affirmed");
    run_free(&r);
    /* no closing sentence in the paragraph: no span */
    run_of(&r, "Risks were discussed.\nFINDINGS: She had a stroke last week.\n");
    assert_string_not_equal(status_of(&r, "cerebrovascular accident"), "not_patient");
    run_free(&r);
    /* the classic complications discussed, without the word "risk" */
    run_of(&r, "PLAN: We have discussed bleeding, infection, injury to the rectum, deep vein "
               "thrombosis, pulmonary embolus, stroke, and death.\n");
    assert_string_equal(status_of(&r, "deep vein thrombosis"), "not_patient");
    assert_string_equal(status_of(&r, "cerebrovascular accident"), "not_patient");
    run_free(&r);
    run_of(&r, "HOSPITAL COURSE: After surgery he had bleeding and a wound infection, then a "
               "deep vein thrombosis.\n");
    assert_string_equal(status_of(&r, "deep vein thrombosis"), "affirmed");
    run_free(&r);

    /* normal anatomy is no problem; a time of life long past is history */
    run_of(&r, "SPINE: normal lumbar lordosis. He had obesity as a young teenager.\n"
               "IMPRESSION: Lumbar scoliosis and normal pressure hydrocephalus.\n");
    assert_string_equal(status_of(&r, "lordosis"), "not_patient");
    assert_string_equal(status_of(&r, "obesity"), "historical");
    assert_string_equal(status_of(&r, "scoliosis"), "affirmed");
    assert_string_equal(status_of(&r, "normal pressure hydrocephalus"), "affirmed");
    run_free(&r);
    run_of(&r, "He takes metoprolol for hypertension as well as a baby aspirin.\n");
    assert_string_equal(status_of(&r, "hypertension"), "affirmed");
    run_free(&r);
    run_of(&r, "Sinus rhythm normal with atrial flutter.\n");
    assert_string_equal(status_of(&r, "atrial flutter"), "affirmed");
    run_free(&r);

    /* a differential in other words is no conclusion */
    run_of(&r, "IMPRESSION: A 1-year-old with rectal bleeding. Possibilities include Meckel's "
               "diverticulum, polyp, infection and vascular malformation.\n");
    assert_string_equal(status_of(&r, "polyp"), "uncertain");
    run_free(&r);

    /* "non-" names what the patient has, except a habit's "non-smoker" */
    run_of(&r, "DIAGNOSIS: Non-cardiac chest pain. Non-productive cough. Non-insulin-dependent "
               "diabetes mellitus.\nSOCIAL HISTORY: Non-smoker.\n");
    assert_string_equal(status_of(&r, "atypical chest pain"), "affirmed");
    assert_string_equal(status_of(&r, "dry cough"), "affirmed");
    assert_string_equal(status_of(&r, "type 2 diabetes mellitus"), "affirmed");
    assert_string_equal(status_of(&r, "tobacco use"), "negated");
    run_free(&r);

    /* a lab report's interpretive ranges and specimen notes are nobody's
     * findings; in a clinic note "Diabetes: 8 years" is the patient's */
    run_of(&r, "LABORATORY REPORT\nTest  Result  Flag  Units  Reference\n"
               "Hemoglobin A1c  8.9  H  %  4.8 - 5.6\nGlucose  212  H  mg/dL  65 - 99\n"
               "Sodium  139    mmol/L  135 - 145\nPotassium  6.1  H  mmol/L  3.5 - 5.2\n"
               "  Prediabetes: 5.7 - 6.4. Diabetes: >6.4. Goal for adults with diabetes: <7.0.\n"
               "Comment: Hemolysis may falsely elevate potassium.\n");
    assert_string_equal(status_of(&r, "prediabetes"), "not_patient");
    assert_string_equal(status_of(&r, "diabetes mellitus"), "not_patient");
    assert_string_equal(status_of(&r, "hemolysis"), "not_patient");
    run_free(&r);
    run_of(&r, "HISTORY: Diabetes: 8 years, on metformin.\n");
    assert_string_not_equal(status_of(&r, "diabetes mellitus"), "not_patient");
    run_free(&r);

    run_of(&r, "HISTORY: Two hours of central chest tightness at rest, now resolved.\n");
    assert_string_equal(status_of(&r, "chest tightness"), "historical");
    run_free(&r);

    /* a medicine the report stops is not taken; a hold parameter or "do
     * not stop" is no stop */
    run_of(&r, "Medications on discharge: metformin 500 mg twice daily; do not stop warfarin.\n"
               "Metoprolol 25 mg twice daily, hold if heart rate below 55.\n"
               "Medicines stopped: ramipril (held because of kidney injury).\n"
               "DISCONTINUED MEDICATIONS:\n1. Amlodipine 5 mg daily\n2. Naproxen\n\n"
               "Aspirin was discontinued. Stop simvastatin.\n");
    assert_int_equal(med_not_taken(&r, "metformin"), 0);
    assert_int_equal(med_not_taken(&r, "warfarin"), 0);
    assert_int_equal(med_not_taken(&r, "metoprolol"), 0);
    assert_int_equal(med_not_taken(&r, "ramipril"), 1);
    assert_int_equal(med_not_taken(&r, "amlodipine"), 1);
    assert_int_equal(med_not_taken(&r, "naproxen"), 1);
    assert_int_equal(med_not_taken(&r, "aspirin"), 1);
    assert_int_equal(med_not_taken(&r, "simvastatin"), 1);
    assert_non_null(strstr(r.text, "not taking or should not take:\n- ramipril"));
    run_free(&r);

    /* a lung artery pressure on an echo is no blood pressure */
    run_of(&r, "ECHOCARDIOGRAM REPORT\nEstimated PA systolic pressure 32 mmHg. RVSP 30 mmHg.\n");
    {
        size_t i, n = 0;
        json_t *t;
        json_array_foreach(json_object_get(r.j, "tests"), i, t) {
            const char *c = json_string_value(json_object_get(t, "canonical"));
            assert_string_equal(c, "pulmonary artery systolic pressure");
            assert_true(json_is_null(json_object_get(t, "flag")));
            n++;
        }
        assert_int_equal(n, 2);
    }
    run_free(&r);

    /* a prescription's "as needed for pain" is the medicine's use */
    run_of(&r, "PRESCRIPTION\nRx: Ibuprofen 400 mg. Take 1 tablet every 6 hours as needed for "
               "pain. Dispense: 30. Refills: 0.\nSig: as directed.\n");
    assert_string_equal(status_of(&r, "pain"), "not_patient");
    run_free(&r);

    /* a form's check boxes: the ticked one answers, a blank field says
     * nothing */
    run_of(&r, "NEW PATIENT HEALTH QUESTIONNAIRE\nDo you have or have you ever had:\n"
               "High blood pressure:   [ ] Yes  [x] No\nDiabetes:   ( ) Yes  (X) No\n"
               "Asthma:   [x] Yes  [ ] No\nHeart disease:   [ ] Yes  [ ] No\n"
               "Cancer:   \xe2\x98\x90 Yes  \xe2\x98\x92 No\n");
    assert_string_equal(status_of(&r, "hypertension"), "negated");
    assert_string_equal(status_of(&r, "diabetes mellitus"), "negated");
    assert_string_equal(status_of(&r, "asthma"), "affirmed");
    assert_string_equal(status_of(&r, "heart disease"), "not_patient");
    assert_string_equal(status_of(&r, "malignant neoplasm"), "negated");
    run_free(&r);

    /* education handed over is nobody's finding; "HIV status" is a test's
     * answer, "CAD status post CABG" the patient's */
    run_of(&r, "PATIENT INSTRUCTIONS: Patient received written information regarding "
               "pre-eclampsia and eclampsia.\nWe have to figure out hepatitis status.\n"
               "ASSESSMENT: Coronary artery disease status post coronary artery bypass graft.\n");
    assert_string_not_equal(status_of(&r, "preeclampsia"), "affirmed");
    assert_string_not_equal(status_of(&r, "eclampsia"), "affirmed");
    assert_string_equal(status_of(&r, "hepatitis"), "");
    assert_string_equal(status_of(&r, "coronary artery disease"), "affirmed");
    run_free(&r);

    /* a test not done says nothing of the condition it tests for */
    run_of(&r, "We do not have any other results back. No hepatitis panels. Pregnancy test "
               "negative.\n");
    assert_string_equal(status_of(&r, "hepatitis"), "");
    assert_string_equal(status_of(&r, "pregnancy"), "");
    run_free(&r);

    /* a tumour resected in the past is history; its follow-up decides */
    run_of(&r, "DIAGNOSIS: Stage II colon adenocarcinoma, resected 2023.\n"
               "ASSESSMENT: No evidence of disease recurrence.\n");
    assert_string_equal(status_of(&r, "colon cancer"), "historical");
    run_free(&r);

    /* a finding of another age after a comma is not negated */
    run_of(&r, "CHEST X-RAY: No active tuberculosis, old calcified granuloma.\n"
               "IMPRESSION: No acute infarct. No fever, chills, or night sweats.\n");
    assert_string_equal(status_of(&r, "granuloma"), "affirmed");
    assert_string_equal(status_of(&r, "infarction"), "negated");
    assert_string_equal(status_of(&r, "night sweats"), "negated");
    run_free(&r);

    /* the spread of a pain is no radiation therapy */
    run_of(&r, "Central chest tightness. No radiation. She completed chemotherapy and radiation "
               "for breast cancer in 2019.\n");
    assert_int_equal(count_of(&r, "radiation therapy"), 1);
    run_free(&r);

    /* a dent is no mood disorder; a medicine's use is no finding */
    run_of(&r, "The depression of the anterior table was elevated. He will go home with "
               "pain medications.\n");
    assert_string_equal(status_of(&r, "depression"), "");
    assert_string_equal(status_of(&r, "pain"), "");
    run_free(&r);
    run_of(&r, "The retinal periphery was examined with scleral depression. He had a "
               "fracture when he was 13 years of age.\n");
    assert_string_equal(status_of(&r, "depression"), "");
    assert_string_equal(status_of(&r, "fracture"), "historical");
    run_free(&r);
    run_of(&r, "PAST MEDICAL HISTORY: Depression, on sertraline.\n");
    assert_string_equal(status_of(&r, "depression"), "historical");
    run_free(&r);

    /* a stain named after what it detects is no finding */
    run_of(&r, "IMMUNOHISTOCHEMISTRY\nNo significant reactivity is demonstrated with melanoma "
               "marker HMB-45 or Melan-A. Tumor markers were sent.\n");
    assert_string_equal(status_of(&r, "melanoma"), "");
    run_free(&r);
    /* a word in capitals is no abbreviation; a test negative for it */
    run_of(&r, "ASSESSMENT: RIGHT HAND LACERATIONS, REPAIRED AS DESCRIBED.\nTETANUS STATUS: "
               "Up-to-date.\nIMPRESSION: Negative EKG criteria for ischemia.\n");
    assert_string_equal(status_of(&r, "aortic stenosis"), "");
    assert_string_equal(status_of(&r, "tetanus"), "");
    assert_string_equal(status_of(&r, "ischemia"), "negated");
    run_free(&r);
    /* a label, a sample sent, a surgeon's technique, a nurse's flush */
    run_of(&r, "PE:, VITALS: Stable.\nPLAN: GC and chlamydia was sent. The nucleus was "
               "fractured into quadrants with a two-handed nuclear fracture technique. The "
               "ports were flushed with saline. The ureteral orifice was HIT with Deflux.\n");
    assert_string_equal(status_of(&r, "pulmonary embolism"), "");
    assert_string_equal(status_of(&r, "chlamydia"), "");
    assert_string_equal(status_of(&r, "fracture"), "");
    assert_string_equal(status_of(&r, "flushing"), "");
    assert_string_equal(status_of(&r, "heparin-induced thrombocytopenia"), "");
    run_free(&r);
    /* a diagnosis the conclusion rules out, that only the story called
     * present, stays ruled out; findings that show it keep it */
    run_of(&r, "HISTORY OF PRESENT ILLNESS: He was admitted after a CT scan showed "
               "mastoiditis.\nDISCHARGE DIAGNOSES: 1. Suspected mastoiditis ruled out.\n");
    assert_string_equal(status_of(&r, "mastoiditis"), "negated");
    run_free(&r);
    run_of(&r, "MICROSCOPIC DESCRIPTION: Section 2 shows metastatic carcinoma.\n"
               "DIAGNOSIS: 1. No evidence of metastatic carcinoma, right node.\n");
    assert_string_equal(status_of(&r, "metastatic cancer"), "affirmed");
    run_free(&r);
    /* "in situ" after a cancer name is part of it: cells that have not spread */
    run_of(&r, "DIAGNOSIS: Cervical carcinoma in situ.\n");
    assert_string_equal(status_of(&r, "cervical carcinoma in situ"), "affirmed");
    assert_string_equal(status_of(&r, "cervical cancer"), "");
    run_free(&r);
    /* a rating scale or an examination named after it; advice about it */
    run_of(&r, "TESTS ADMINISTERED: Mattis Dementia Rating Scale, Multilingual Aphasia "
               "Examination.\nPLAN: We discussed weight loss options.\n");
    assert_string_equal(status_of(&r, "dementia"), "");
    assert_string_equal(status_of(&r, "aphasia"), "");
    assert_string_equal(status_of(&r, "weight loss"), "");
    run_free(&r);
    /* a precaution word speaks of its own sentence only */
    run_of(&r, "HISTORY: He did not seek medical attention. He did not report any history of "
               "myocardial infarction.\n");
    assert_string_equal(status_of(&r, "myocardial infarction"), "negated");
    run_free(&r);
    /* a return precaution told in the story, a prophylaxis */
    run_of(&r, "HOSPITAL COURSE: DVT prophylaxis was initiated. The patient was instructed to "
               "seek immediate medical attention for shortness of breath or chest pain.\n");
    assert_string_equal(status_of(&r, "deep vein thrombosis"), "");
    assert_string_equal(status_of(&r, "shortness of breath"), "not_patient");
    run_free(&r);
    /* a consent list "reiterated ... included", a heart chamber, an
     * operator's distension */
    run_of(&r, "PLAN: Risks and benefits of the procedure were reiterated with the patient, "
               "which included but not limited to death, pulmonary embolism, anastomotic leak, "
               "bleeding, and infection. Questions were addressed.\nECHO: RA size is mildly "
               "enlarged.\nPROCEDURE: The inflow valve was opened to achieve appropriate "
               "distension.\n");
    assert_string_equal(status_of(&r, "pulmonary embolism"), "not_patient");
    assert_string_equal(status_of(&r, "rheumatoid arthritis"), "");
    assert_string_equal(status_of(&r, "distension"), "");
    run_free(&r);
    /* negated forms: the word itself says no */
    run_of(&r, "EXAM: She is afebrile. Abdomen: soft, non tender, nondistended. Sclerae "
               "anicteric.\n");
    assert_string_equal(status_of(&r, "fever"), "negated");
    assert_string_equal(status_of(&r, "tenderness"), "negated");
    assert_string_equal(status_of(&r, "distension"), "negated");
    assert_string_equal(status_of(&r, "jaundice"), "negated");
    run_free(&r);
    /* a pain score of zero is no pain; a count belongs to its sentence */
    run_of(&r, "VITAL SIGNS: Blood pressure 124/80, pain is 0/10.\nEXAM: The shunt site is "
               "clean.\n");
    assert_string_equal(status_of(&r, "pain"), "negated");
    run_free(&r);
    run_of(&r, "VITAL SIGNS: Pain is 0/10 at rest. Back pain 7/10 on walking.\n");
    assert_string_equal(status_of(&r, "back pain"), "affirmed");
    run_free(&r);
    /* a vaccine named after its disease is no finding either */
    run_of(&r, "HISTORY: He had a tetanus shot in 2002. Hepatitis B immunity confirmed.\n");
    assert_string_equal(status_of(&r, "tetanus"), "");
    assert_string_equal(status_of(&r, "hepatitis B"), "");
    run_free(&r);
    /* what a vaccine is for is nobody's; "pain free" says no pain */
    run_of(&r, "PLAN: Needs vaccination for influenza and pneumonia.\nHPI: She has had "
               "morphine and states that she is pain free. Seizure-free for a year.\n");
    assert_string_not_equal(status_of(&r, "influenza"), "affirmed");
    assert_string_equal(status_of(&r, "pneumonia"), "not_patient");
    assert_string_equal(status_of(&r, "pain"), "negated");
    assert_string_equal(status_of(&r, "seizure"), "negated");
    run_free(&r);
    /* a sense an examiner tests is no pain; an instrument is no disorder */
    run_of(&r, "NEURO: Pain and temperature sensation were intact. Sensation intact to light "
               "touch, pain and vibration. He withdraws to pain.\nPROCEDURE: We used a "
               "bipolar to coagulate the surface.\n");
    assert_string_equal(status_of(&r, "pain"), "");
    assert_string_equal(status_of(&r, "bipolar disorder"), "");
    run_free(&r);
    /* an immunity answer, the advice to lose weight: no findings */
    run_of(&r, "LABS: Antibody screen negative, rubella immune, varicella non-immune.\nPLAN: "
               "Risk factor modification including weight loss. We recommended weight "
               "loss.\n");
    assert_string_equal(status_of(&r, "rubella"), "");
    assert_string_equal(status_of(&r, "varicella"), "");
    assert_string_equal(status_of(&r, "weight loss"), "");
    run_free(&r);
    run_of(&r, "HPI: He reports a 20-pound weight loss. We discussed the weight loss.\n");
    assert_string_equal(status_of(&r, "weight loss"), "affirmed");
    run_free(&r);
    /* a story that moves on ends the negation before it */
    run_of(&r, "HPI: The foot was swollen and he could not move the toes, came to the emergency "
               "room, diagnosed with gout. He could not remember anything and he was repeating "
               "himself in an agitated way.\n");
    assert_string_equal(status_of(&r, "gout"), "affirmed");
    assert_string_not_equal(status_of(&r, "agitation"), "negated");
    run_free(&r);
    /* a symptom said with "no" / "lack of" negates nothing after it; "may or
     * may not" is a doubt; a fever that came later is there */
    run_of(&r, "HPI: She reports symptoms of depression, no energy, initial and middle insomnia. "
               "Chronic lack of energy, weight gain. He may or may not have a hiatal hernia. "
               "He was initially afebrile but then spiked a fever.\n");
    assert_string_equal(status_of(&r, "insomnia"), "affirmed");
    assert_string_equal(status_of(&r, "fatigue"), "affirmed");
    assert_string_equal(status_of(&r, "weight gain"), "affirmed");
    assert_string_equal(status_of(&r, "hiatal hernia"), "uncertain");
    assert_string_equal(status_of(&r, "fever"), "affirmed");
    run_free(&r);

    /* a prophylaxis named after it is no finding; a prevention is nobody's */
    run_of(&r, "PLAN: PPI for PUD prophylaxis. Heparin to prevent deep vein thrombosis.\n");
    assert_string_equal(status_of(&r, "peptic ulcer disease"), "");
    assert_string_equal(status_of(&r, "deep vein thrombosis"), "not_patient");
    run_free(&r);

    /* resolved: the patient's, in the past -- never "ruled out" */
    run_of(&r, "DIAGNOSES\nPrimary: Community-acquired pneumonia.\nSecondary: hyponatremia "
               "(resolved).\n");
    assert_string_not_equal(status_of(&r, "hyponatremia"), "negated");
    assert_string_not_equal(status_of(&r, "hyponatremia"), "");
    assert_string_equal(status_of(&r, "community-acquired pneumonia"), "affirmed");
    run_free(&r);

    run_of(&r, "LABORATORY REPORT\nCreatinine 1.6 mg/dL\nAn eGFR between 30 and 44 "
               "corresponds to CKD stage G3b if persistent for more than 3 months.\n");
    assert_string_not_equal(status_of(&r, "chronic kidney disease"), "affirmed");
    run_free(&r);
}

/* What the report says in words flags its result; two results of one
 * test leave the words unattached. */
static void test_lab_words(void **state)
{
    (void)state;
    run r;
    run_of(&r, "The BNP level was high. BNP 331, troponin less than 0.05. He had a fever "
               "with elevated creatinine. Creatinine of 1.4. Urine drug screen positive.\n");
    json_t *tests = json_object_get(r.j, "tests");
    size_t i;
    json_t *t;
    int flagged = 0;
    json_array_foreach(tests, i, t) {
        const char *v = json_string_value(json_object_get(t, "value"));
        const char *fl = json_string_value(json_object_get(t, "flag"));
        if (v && (!strcmp(v, "331") || !strcmp(v, "1.4"))) {
            assert_non_null(fl);
            assert_string_equal(fl, "high");
            flagged++;
        }
        if (v && !strcmp(v, "positive")) {
            assert_non_null(fl);
            assert_string_equal(fl, "abnormal");
            flagged++;
        }
    }
    assert_int_equal(flagged, 3);
    run_free(&r);

    /* the number after the word is the value; "not elevated" says nothing */
    run_of(&r, "TSH is slightly elevated at 5.38. Hemoglobin was not low at 13.1.\n");
    json_array_foreach(json_object_get(r.j, "tests"), i, t) {
        const char *v = json_string_value(json_object_get(t, "value"));
        const char *fl = json_string_value(json_object_get(t, "flag"));
        if (v && !strcmp(v, "5.38")) {
            assert_non_null(fl);
            assert_string_equal(fl, "high");
        }
        if (v && !strcmp(v, "13.1"))
            assert_null(fl);
    }
    run_free(&r);

    /* a flag word before a test with its own number flags that result
     * only: "an elevated glucose of 393" says nothing of the 180 */
    run_of(&r, "LABS: Sodium 139, glucose 180.\nHOSPITAL COURSE: Today she has an elevated "
               "glucose of 393 and was given insulin.\n");
    json_array_foreach(json_object_get(r.j, "tests"), i, t) {
        const char *v = json_string_value(json_object_get(t, "value"));
        const char *fl = json_string_value(json_object_get(t, "flag"));
        if (v && !strcmp(v, "393")) {
            assert_non_null(fl);
            assert_string_equal(fl, "high");
        }
        if (v && !strcmp(v, "180"))
            assert_true(!fl || strcmp(fl, "high") != 0 ||
                        strcmp(json_string_value(json_object_get(t, "flag_source")), "report_words") != 0);
    }
    run_free(&r);

    run_of(&r, "Creatinine was elevated on admission. Creatinine 2.1 on day 1, creatinine 0.9 "
               "at discharge.\n");
    json_array_foreach(json_object_get(r.j, "tests"), i, t) {
        const char *v = json_string_value(json_object_get(t, "value"));
        if (v && !strcmp(v, "0.9"))
            assert_true(json_is_null(json_object_get(t, "flag")) ||
                        strcmp(json_string_value(json_object_get(t, "flag")), "high") != 0);
    }
    run_free(&r);

    /* a value given as a bound keeps its words and is never compared with
     * a range as if it were the number */
    run_of(&r, "LABS: Troponin less than 0.04. Estimated GFR greater than 60. BNP more than "
               "5000.\n");
    int bounds = 0;
    json_array_foreach(json_object_get(r.j, "tests"), i, t) {
        const char *v = json_string_value(json_object_get(t, "value"));
        if (v && (!strcmp(v, "less than 0.04") || !strcmp(v, "greater than 60") ||
                  !strcmp(v, "more than 5000"))) {
            assert_true(json_is_null(json_object_get(t, "flag")));
            bounds++;
        }
    }
    assert_int_equal(bounds, 3);
    run_free(&r);

    /* a differential's share before its name; never across a sentence */
    run_of(&r, "LABS: White count of 12.1 with 76% neutrophils, 19% lymphocytes. Rate 50%.\n"
               "Monocytes were not reported.\n");
    int shares = 0;
    json_array_foreach(json_object_get(r.j, "tests"), i, t) {
        const char *n = json_string_value(json_object_get(t, "text"));
        const char *v = json_string_value(json_object_get(t, "value"));
        if (n && !strcmp(n, "neutrophils")) {
            assert_string_equal(v, "76");
            shares++;
        }
        if (n && !strcmp(n, "lymphocytes")) {
            assert_string_equal(v, "19");
            shares++;
        }
        if (n && !strcasecmp(n, "monocytes"))
            assert_null(v);
    }
    assert_int_equal(shares, 2);
    run_free(&r);

    /* a test whose result is negative was done: never "not done" */
    run_of(&r, "URINALYSIS\nWBC Esterase 01     2+     Abnormal     Negative\n"
               "HIV screen negative.\nCT scan was not performed.\n");
    const char *nd = strstr(r.text, "were not done or not needed:");
    assert_non_null(nd);
    assert_non_null(strstr(nd, "computed tomography")); /* "was not performed" */
    assert_null(strstr(nd, "HIV"));
    assert_null(strstr(nd, "white blood cell"));
    assert_null(strstr(nd, "esterase"));
    run_free(&r);

    /* a flag the report writes in brackets after a result in prose wins */
    run_of(&r, "LABS: Hemoglobin 9.8 (L), WBC 15.2 (H). BUN 40 (high). Potassium 2.2 (LL).\n");
    int bracketed = 0;
    json_array_foreach(json_object_get(r.j, "tests"), i, t) {
        const char *v = json_string_value(json_object_get(t, "value"));
        const char *fl = json_string_value(json_object_get(t, "flag"));
        const char *dir = json_string_value(json_object_get(t, "direction"));
        if (!v)
            continue;
        if (!strcmp(v, "9.8") || !strcmp(v, "15.2") || !strcmp(v, "40") || !strcmp(v, "2.2")) {
            assert_non_null(fl);
            bracketed++;
        }
        if (!strcmp(v, "40"))
            assert_string_equal(fl, "high");
        if (!strcmp(v, "2.2")) {
            assert_string_equal(fl, "critical");
            assert_string_equal(dir, "low");
        }
    }
    assert_int_equal(bracketed, 4);
    run_free(&r);

    /* a lab row's name is the test's: no diagnosis, no medicine */
    run_of(&r, "LABORATORY REPORT\nTest             Result        Range          Flag\n"
               "Hepatitis C Ab   Reactive      Nonreactive    A\n"
               "Lyme disease IgG Positive      Negative       A\n"
               "Vitamin B12      >2000 pg/mL   232 - 1245     H\n"
               "Sodium           139 mmol/L    136 - 145\n");
    assert_null(strstr(r.text, "Problems the report mentions"));
    assert_null(strstr(r.text, "Medicines:"));
    assert_non_null(strstr(r.text, "Hepatitis C Ab: Reactive"));
    assert_non_null(strstr(r.text, "Vitamin B12: >2000"));
    run_free(&r);
}

/* Patterns found on fresh transcriptions (issue 14, session 5); the
 * sentences are our own. */
static void test_fresh_patterns(void **state)
{
    (void)state;
    run r;
    /* what the patient could go on to have is a risk, not a finding */
    run_of(&r, "HISTORY OF PRESENT ILLNESS: Weakness in the left leg for a month.\n"
               "DISCUSSION: We reviewed the operation. She could develop a wound infection. She "
               "could get difficulty swallowing. There is a danger of becoming paraplegic. She "
               "could have substantial weakness in the leg.\n");
    assert_string_equal(status_of(&r, "wound infection"), "not_patient");
    assert_string_equal(status_of(&r, "dysphagia"), "not_patient");
    assert_string_equal(status_of(&r, "paraplegia"), "not_patient");
    assert_string_equal(status_of(&r, "weakness"), "affirmed");
    run_free(&r);
    /* "could get worse": her symptoms, not a risk */
    run_of(&r, "HISTORY OF PRESENT ILLNESS: Her numbness could get worse rather than better, "
               "and her neck pain could persist.\n");
    assert_string_equal(status_of(&r, "neck pain"), "affirmed");
    run_free(&r);

    /* a negation reaches the examples of a class */
    run_of(&r, "REVIEW OF SYSTEMS: He denies any kind of neurological symptoms such as "
               "numbness, slurred speech, double vision or difficulty swallowing.\n");
    assert_string_equal(status_of(&r, "diplopia"), "negated");
    assert_string_equal(status_of(&r, "dysphagia"), "negated");
    run_free(&r);

    /* a question asked, then answered; a negation before "whether" denies
     * knowing, not the condition */
    run_of(&r, "HISTORY OF PRESENT ILLNESS: The surgeon was concerned as to whether she had an "
               "appendicitis. Ultrasound did not show appendicitis.\n");
    assert_string_equal(status_of(&r, "appendicitis"), "negated");
    run_free(&r);
    run_of(&r, "HISTORY OF PRESENT ILLNESS: Her husband is not really sure whether these "
               "spells were seizures.\n");
    assert_string_equal(status_of(&r, "seizure"), "uncertain");
    run_free(&r);

    /* "must be considered", "question X", "could not be ruled out" */
    run_of(&r, "IMPRESSION: Thickened colon wall. An infectious process such as colitis or "
               "diverticulitis must be considered. Mild venous congestion with question "
               "varicosities. A lumbar radiculopathy could not be ruled out.\n");
    assert_string_equal(status_of(&r, "diverticulitis"), "uncertain");
    assert_string_equal(status_of(&r, "varicose veins"), "uncertain");
    assert_string_equal(status_of(&r, "lumbar radiculopathy"), "uncertain");
    run_free(&r);

    /* what is absent is the cause, not the symptom */
    run_of(&r, "IMPRESSION: Normal MRI of the brain. No lesion to explain the patient's "
               "dizziness is identified.\n");
    assert_string_equal(status_of(&r, "dizziness"), "affirmed");
    run_free(&r);
    /* a treatment that may not help: the problem is there */
    run_of(&r, "ASSESSMENT: The injections may not help with the weakness in her hand.\n");
    assert_string_not_equal(status_of(&r, "weakness"), "negated");
    run_free(&r);

    /* a heading's topic is not a finding; "IMPRESSIONS" is a conclusion */
    run_of(&r, "SEIZURE HISTORY: None.\nIMPRESSIONS: Migraine without aura.\n");
    assert_string_not_equal(status_of(&r, "seizure"), "affirmed");
    assert_string_equal(status_of(&r, "migraine without aura"), "affirmed");
    run_free(&r);

    /* a birth history and a relative's cause of death are not the patient's */
    run_of(&r, "DEVELOPMENTAL HISTORY: He was the product of a twin pregnancy. Smoking or "
               "alcohol during the pregnancy was denied. His paternal uncle died in 2003 due "
               "to colon cancer. He was brought in by his father due to fever.\n");
    assert_string_equal(status_of(&r, "colon cancer"), "family");
    assert_string_not_equal(status_of(&r, "tobacco use"), "affirmed");
    assert_string_not_equal(status_of(&r, "alcohol use"), "affirmed");
    assert_string_equal(status_of(&r, "fever"), "affirmed");
    run_free(&r);

    /* a worry answered; an activity restricted; a goal attempted; a drug's
     * effect; a line flushed */
    run_of(&r, "SUBJECTIVE: He comes in with concerns of having a heart attack.\n"
               "PLAN: I told him that it does not look like he has a heart attack. He is "
               "restricted from any PE for two weeks. He has made attempts at weight loss. "
               "Isotretinoin may increase sun sensitivity. The line was flushed with saline.\n");
    assert_string_not_equal(status_of(&r, "myocardial infarction"), "affirmed");
    assert_string_not_equal(status_of(&r, "pulmonary embolism"), "affirmed");
    assert_string_not_equal(status_of(&r, "weight loss"), "affirmed");
    assert_string_not_equal(status_of(&r, "photosensitivity"), "affirmed");
    assert_string_equal(status_of(&r, "flushing"), "");
    run_free(&r);
    run_of(&r, "PHYSICAL EXAMINATION: Her face was flushed and warm.\n");
    assert_string_equal(status_of(&r, "flushing"), "affirmed");
    run_free(&r);

    /* the patient's own past event named as a cause is not ruled out; a
     * doubt raised later in the sentence is not a negation; a new clause
     * ends the negation */
    run_of(&r, "PAST MEDICAL HISTORY: Stroke in 2015.\n"
               "PHYSICAL EXAMINATION: He does not appear to have any residual weakness from his "
               "stroke. The nodules were not in the lung but in the liver, concerning for "
               "metastatic disease.\n"
               "ASSESSMENT: She has no pain with the twitching and this is mainly a muscle "
               "spasm.\n");
    assert_string_not_equal(status_of(&r, "cerebrovascular accident"), "negated");
    assert_string_equal(status_of(&r, "metastatic cancer"), "uncertain");
    assert_string_equal(status_of(&r, "muscle spasm"), "affirmed");
    run_free(&r);

    /* a consent list after "but are (were) not limited to" */
    run_of(&r, "HISTORY: The risks were explained to her, which include, but are not limited "
               "to bleeding, infection, deep vein thrombosis, and pulmonary embolism. Risks "
               "included, but were not limited to infection, facial numbness and tongue "
               "weakness.\n");
    assert_string_equal(status_of(&r, "deep vein thrombosis"), "not_patient");
    assert_string_equal(status_of(&r, "pulmonary embolism"), "not_patient");
    assert_string_not_equal(status_of(&r, "numbness"), "affirmed");
    assert_string_not_equal(status_of(&r, "weakness"), "affirmed");
    run_free(&r);

    /* steps of a procedure, a site, an order and a procedure's name are
     * not findings */
    run_of(&r, "PROCEDURE: A pneumoperitoneum was then established. After adequate "
               "pneumoperitoneum the ports were placed. The flexor tendon was repaired distal to "
               "the carpal tunnel. Seizure precautions were in place. Knee injection. Careful "
               "soft tissue retraction was used.\n");
    assert_string_equal(status_of(&r, "pneumoperitoneum"), "not_patient");
    assert_string_equal(status_of(&r, "carpal tunnel syndrome"), "");
    assert_string_equal(status_of(&r, "seizure"), "");
    assert_string_equal(status_of(&r, "knee injection"), "");
    assert_string_equal(status_of(&r, "soft tissue retraction"), "");
    run_free(&r);
    run_of(&r, "FINDINGS: Free air consistent with pneumoperitoneum. Conjunctival injection is "
               "noted. She has bilateral carpal tunnel.\n");
    assert_string_equal(status_of(&r, "pneumoperitoneum"), "affirmed");
    assert_string_equal(status_of(&r, "conjunctival injection"), "affirmed");
    assert_string_equal(status_of(&r, "carpal tunnel syndrome"), "affirmed");
    run_free(&r);

    /* what the patient is to call about, be watched for or tested for */
    run_of(&r, "PLAN: She was told to contact our office for fever over 101 or vomiting. She "
               "will be observed overnight for any bleeding or chest pain. Check urine for "
               "microalbuminuria.\n");
    assert_string_equal(status_of(&r, "fever"), "not_patient");
    assert_string_equal(status_of(&r, "vomiting"), "not_patient");
    assert_string_equal(status_of(&r, "chest pain"), "not_patient");
    assert_string_equal(status_of(&r, "microalbuminuria"), "not_patient");
    run_free(&r);
    /* a product's "DM" in a medication list; a return precaution; what a
     * splint avoided; a retraction port */
    run_of(&r, "CURRENT MEDICATIONS: Tussinex III DM syrup.\n"
               "PLAN: He was asked to report to us any redness or fevers. The splint was "
               "shaped so that it avoided foot drop. A 5 mm liver retraction port was placed.\n");
    assert_string_not_equal(status_of(&r, "diabetes mellitus"), "affirmed");
    assert_string_equal(status_of(&r, "fever"), "not_patient");
    assert_string_not_equal(status_of(&r, "foot drop"), "affirmed");
    assert_string_equal(status_of(&r, "liver retraction"), "");
    run_free(&r);
    run_of(&r, "PHYSICAL EXAMINATION: Left nipple retraction.\nPAST MEDICAL HISTORY: DM.\n");
    assert_string_equal(status_of(&r, "nipple retraction"), "affirmed");
    assert_string_equal(status_of(&r, "diabetes mellitus"), "historical");
    run_free(&r);
    /* a consent list run into its head; a protocol; an instrument; what a
     * suture prevents; a risk not taken; what did not improve */
    run_of(&r, "HISTORY: She accepts the risks to include but not be limited to bleeding "
               "needing a transfusion; infection; sepsis; stroke; incontinence.\n"
               "TECHNIQUE: Images were obtained for pulmonary embolism protocol. The dura was "
               "opened with bipolar and scissors. The suture was tied to prevent cerebrospinal "
               "fluid leak. Rather than risk paralysis of the vocal cords, the capsule was left.\n"
               "PLAN: If there is no improvement, she will have an injection of her shoulder "
               "for bursitis.\n");
    assert_string_equal(status_of(&r, "sepsis"), "not_patient");
    assert_string_equal(status_of(&r, "cerebrovascular accident"), "not_patient");
    assert_string_equal(status_of(&r, "incontinence"), "not_patient");
    assert_string_not_equal(status_of(&r, "pulmonary embolism"), "affirmed");
    assert_string_equal(status_of(&r, "bipolar disorder"), "");
    assert_string_not_equal(status_of(&r, "cerebrospinal fluid leak"), "affirmed");
    assert_string_equal(status_of(&r, "paralysis"), "not_patient");
    assert_string_not_equal(status_of(&r, "bursitis"), "negated");
    run_free(&r);
    run_of(&r, "REVIEW OF SYSTEMS: Negative as far as sore throat, earache, or cough.\n"
               "PLAN: Start early for reasons including lowering the DVT, PE rates. Loperamide "
               "did not really help with the diarrhea.\n");
    assert_string_equal(status_of(&r, "sore throat"), "negated");
    assert_string_equal(status_of(&r, "deep vein thrombosis"), "");
    assert_string_equal(status_of(&r, "pulmonary embolism"), "");
    assert_string_equal(status_of(&r, "diarrhea"), "affirmed");
    run_free(&r);
    /* what a workup or a protocol is for */
    run_of(&r, "HISTORY OF PRESENT ILLNESS: A full septic workup was done, and the infant is "
               "treated on a rule out sepsis protocol.\n");
    assert_string_equal(status_of(&r, "sepsis"), "uncertain");
    run_free(&r);
    /* a capitalised heading's topic; a problem label is the patient's;
     * "either a X vs. Y" */
    run_of(&r, "MENTAL HEALTH AND SUBSTANCE ABUSE: She has a history of depression. No history "
               "of substance abuse.\nASSESSMENT: 1. HYPERTENSION: continue lisinopril.\n"
               "HOSPITAL COURSE: It was felt she had either a transverse myelitis vs. a cord "
               "infarction.\n");
    assert_string_equal(status_of(&r, "substance use disorder"), "negated");
    assert_string_equal(status_of(&r, "hypertension"), "affirmed");
    assert_string_equal(status_of(&r, "transverse myelitis"), "uncertain");
    run_free(&r);
    /* a post-trigger does not hide a negation before the entity; an
     * "established" disease is not a procedure step */
    run_of(&r, "DEVELOPMENTAL HISTORY: Serious injuries were denied as were a history of "
               "seizures.\nPAST MEDICAL HISTORY: No history of established coronary artery "
               "disease.\n");
    assert_string_equal(status_of(&r, "seizure"), "negated");
    assert_string_equal(status_of(&r, "coronary artery disease"), "negated");
    run_free(&r);
    run_of(&r, "HISTORY: He is bipolar and depressed.\n");
    assert_string_equal(status_of(&r, "bipolar disorder"), "affirmed");
    run_free(&r);
    /* "or had": the negation goes on */
    run_of(&r, "HISTORY OF PRESENT ILLNESS: She has not vomited or had any fevers.\n");
    assert_string_equal(status_of(&r, "fever"), "negated");
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_section_roles),
        cmocka_unit_test(test_report_types),
        cmocka_unit_test(test_conclusion_outranks_reason),
        cmocka_unit_test(test_one_status_mixed),
        cmocka_unit_test(test_assessment_and_plan),
        cmocka_unit_test(test_margins_and_node_counts),
        cmocka_unit_test(test_evidence),
        cmocka_unit_test(test_allergy_reaction),
        cmocka_unit_test(test_allergens),
        cmocka_unit_test(test_bill_is_not_a_diagnosis),
        cmocka_unit_test(test_form_answers),
        cmocka_unit_test(test_mentions_in_context),
        cmocka_unit_test(test_lab_words),
        cmocka_unit_test(test_doubts_settled),
        cmocka_unit_test(test_causes_and_questions),
        cmocka_unit_test(test_fresh_patterns),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
