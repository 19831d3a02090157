/* context_triggers.c -- the ConText trigger phrases (see
 * context_triggers.h): negation, hypothetical, uncertainty, history and
 * family, pseudo-triggers and terminations. Lower case, single spaces;
 * longest match wins at a token. */
#include "nlp/context_triggers.h"

#define PRE(p, c) {p, K_PRE, c, 0, 0}
#define PRED(p, c, d) {p, K_PRE, c, d, 0}
#define POST(p, c) {p, K_POST, c, 0, 0}
#define POSTD(p, c, d) {p, K_POST, c, d, 0}
#define POSTE(p, c, d) {p, K_POST, c, d, 1}
#define PSEUDO(p) {p, K_PSEUDO, C_ALL, 0, 0}
#define TERM(p) {p, K_TERM, C_ALL, 0, 0}
#define TERMC(p, c) {p, K_TERM, c, 0, 0}
/* a clause verb: ends negation and uncertainty after "and", "or", "," */
#define TERMV(p) {p, K_TERM, C_NU, 0, 1}

const ms_ctx_trig ms__ctx_triggers[] = {
    /* ---- negation, before the concept ---- */
    PRE("no", C_NEG), PRE("not", C_NEG), PRE("nor", C_NEG),
    PRE("neither", C_NEG), PRE("without", C_NEG), PRE("w/o", C_NEG),
    PRE("denies", C_NEG), PRE("denied", C_NEG), PRE("deny", C_NEG),
    PRE("denying", C_NEG), PRE("negative for", C_NEG),
    PRE("neg for", C_NEG), PRE("free of", C_NEG), PRE("clear of", C_NEG),
    PRE("absence of", C_NEG), PRE("absent", C_NEG), PRE("lack of", C_NEG),
    PRE("lacks", C_NEG), PRE("never", C_NEG), PRE("rules out", C_NEG),
    PRE("excludes", C_NEG), PRE("essentially excludes", C_NEG),
    PRE("ruled out for", C_NEG), PRE("fails to reveal", C_NEG),
    PRE("failed to reveal", C_NEG), PRE("fails to show", C_NEG),
    PRE("failed to show", C_NEG), PRE("unremarkable for", C_NEG),
    PRE("didn't", C_NEG), PRE("doesn't", C_NEG), PRE("don't", C_NEG),
    PRE("isn't", C_NEG), PRE("wasn't", C_NEG), PRE("weren't", C_NEG),
    PRE("aren't", C_NEG), PRE("hasn't", C_NEG), PRE("haven't", C_NEG),
    PRE("hadn't", C_NEG), PRE("cannot see", C_NEG),
    PRE("no history of", C_NEG), PRE("no prior history of", C_NEG),
    PRE("no past history of", C_NEG), PRE("no known history of", C_NEG),
    PRE("no h/o", C_NEG), PRE("no hx of", C_NEG), PRE("no family history of", C_NEG),
    PRED("negative", C_NEG, 2), PRE("-ve for", C_NEG),
    /* "Negative as far as sore throat, earache, or cough" */
    PRE("negative as far as", C_NEG), PRE("negative as to", C_NEG),
    PRE("negative with regard to", C_NEG), PRE("negative regarding", C_NEG),
    /* a test negative for it: "Negative EKG criteria for ischemia" */
    PRE("negative ekg criteria for", C_NEG), PRE("negative ecg criteria for", C_NEG),
    PRE("negative criteria for", C_NEG), PRE("negative workup for", C_NEG),
    PRE("negative work-up for", C_NEG), PRE("negative evaluation for", C_NEG),
    PRE("negative study for", C_NEG), PRE("negative test for", C_NEG),
    PRE("negative testing for", C_NEG), PRE("negative screen for", C_NEG),
    PRE("negative screening for", C_NEG), PRE("negative stress test for", C_NEG),
    PRE("negative ekg for", C_NEG), PRE("negative ecg for", C_NEG),
    /* a verb right after the trigger would otherwise end its scope */
    PRE("no demonstrated", C_NEG), PRE("no demonstrable", C_NEG),
    PRE("without demonstrated", C_NEG), PRE("no reported", C_NEG),
    PRE("not have", C_NEG), PRE("not had", C_NEG), PRE("not has", C_NEG),
    PRE("never had", C_NEG), PRE("never has", C_NEG),
    PRE("doesn't have", C_NEG), PRE("didn't have", C_NEG),
    PRE("don't have", C_NEG), PRE("not been", C_NEG),
    PRE("no longer has", C_NEG), PRE("no longer have", C_NEG),
    PRE("not reporting", C_NEG), PRE("not complaining of", C_NEG),
    PRE("not reported", C_NEG), PRE("not endorsing", C_NEG),
    /* an examiner who could not find it ("unable to appreciate any
     * organomegaly"); not "unable to identify", which is said of causes */
    PRE("unable to appreciate", C_NEG), PRE("unable to palpate", C_NEG),
    PRE("unable to elicit", C_NEG), PRE("unable to demonstrate", C_NEG),
    /* review-of-systems marks: "(-) visual disturbance or change" */
    PRED("(-)", C_NEG, 8), TERMC("(+)", C_NEG),
    /* "no change in her bowels, abdominal pain or melena": the first
     * conjunct is what did not change, the others are absent (the scope
     * opens at the next comma or "or"; see scan_entity) */
    {"no change in", K_PRE, C_NEG, 0, 1},
    {"no changes in", K_PRE, C_NEG, 0, 1},

    /* ---- negation, after the concept ---- */
    POST("ruled out", C_NEG), POST("was ruled out", C_NEG),
    POST("been ruled out", C_NEG), POST("is ruled out", C_NEG),
    POSTE("negative", C_NEG, 3), POSTE("-ve", C_NEG, 3),
    POSTE("absent", C_NEG, 3),
    POSTD("excluded", C_NEG, 3), POST("not seen", C_NEG),
    POST("not present", C_NEG), POST("not identified", C_NEG),
    POST("not appreciated", C_NEG), POST("not detected", C_NEG),
    POST("not noted", C_NEG), POST("not visualized", C_NEG),
    POST("not evident", C_NEG), POST("not found", C_NEG),
    POST("not demonstrated", C_NEG), POST("not observed", C_NEG),
    POST("not elicited", C_NEG), POST("not reported", C_NEG),
    /* a test or procedure that did not happen */
    POST("not performed", C_NEG), POST("not done", C_NEG), POST("not obtained", C_NEG),
    /* an examiner's "not felt": "organomegaly was not palpated" */
    POST("not palpated", C_NEG), POST("not palpable", C_NEG), POST("not felt", C_NEG),
    POST("not heard", C_NEG), POST("not auscultated", C_NEG),
    POSTE("none", C_NEG, 1), POSTD("denied", C_NEG, 2),
    /* "the use of alcohol or tobacco during the pregnancy was denied" */
    POSTD("was denied", C_NEG, 6), POSTD("were denied", C_NEG, 6),
    POSTD("were all denied", C_NEG, 6),
    /* a judgement that it is not there: "it does not look like she has a
     * stroke" (the verb would otherwise end the negation) */
    PRE("not look like she has", C_NEG), PRE("not look like he has", C_NEG),
    PRE("not look like she had", C_NEG), PRE("not look like he had", C_NEG),
    PRE("not think she has", C_NEG), PRE("not think he has", C_NEG),
    PRE("not believe she has", C_NEG), PRE("not believe he has", C_NEG),
    PRE("not feel she has", C_NEG), PRE("not feel he has", C_NEG),
    PRE("not appear to have", C_NEG), PRE("not seem to have", C_NEG),
    PRE("not appear to be", C_NEG), PRE("not seem to be", C_NEG),

    /* ---- pseudo-triggers: look like negation, are not ---- */
    PSEUDO("no change"), PSEUDO("no significant change"),
    PSEUDO("no interval change"), PSEUDO("no definite change"),
    PSEUDO("no suspicious change"), PSEUDO("no increase"),
    PSEUDO("no further"), PSEUDO("not only"), PSEUDO("not just"),
    PSEUDO("no doubt"), PSEUDO("without doubt"), PSEUDO("beyond doubt"),
    PSEUDO("not necessarily"), PSEUDO("not clear"),
    PSEUDO("not sure"), PSEUDO("not known"), PSEUDO("whether or not"),
    /* a symptom named with "lack of" or "no" negates nothing after it:
     * "chronic lack of energy, weight gain", "no energy, initial and middle
     * insomnia" */
    PSEUDO("lack of energy"), PSEUDO("lack of appetite"), PSEUDO("lack of sleep"),
    PSEUDO("no energy"),
    PSEUDO("lack of coordination"), PSEUDO("lack of growth"), PSEUDO("lack of motivation"),
    PSEUDO("lack of interest"), PSEUDO("lack of concentration"), PSEUDO("lack of focus"),
    PSEUDO("or not"), PSEUDO("if not"), PSEUDO("not able"),
    PSEUDO("not been able"), PSEUDO("not completely"),
    PSEUDO("not fully"), PSEUDO("not entirely"), PSEUDO("not drain"),
    PSEUDO("not extend"), PSEUDO("not cause"), PSEUDO("not caused"),
    PSEUDO("gram negative"), PSEUDO("gram-negative"),
    PSEUDO("without difficulty"), PSEUDO("without further"),
    PSEUDO("without any further"),
    PSEUDO("not want"), PSEUDO("not wish"), PSEUDO("without change"),
    PSEUDO("without significant change"), PSEUDO("not changed"),
    PSEUDO("no specific diagnosis"), PSEUDO("no diagnosis"),
    PSEUDO("no definite diagnosis"), PSEUDO("no clear diagnosis"),
    PSEUDO("no explanation for"), PSEUDO("no cause for"),
    PSEUDO("no etiology for"), PSEUDO("no specific cause"),
    PSEUDO("risk factors"), PSEUDO("risk factor"),
    PSEUDO("but not limited to"), PSEUDO("no question"),
    PSEUDO("not limited to"), PSEUDO("but not be limited to"),
    /* "if there is no improvement, return for injection of her carpal
     * tunnel": what did not improve is there */
    PSEUDO("no improvement"), PSEUDO("without improvement"), PSEUDO("no relief"),
    PSEUDO("not really help"), PSEUDO("not really helped"), PSEUDO("not much help"),
    PSEUDO("without relief"), PSEUDO("but are not limited to"), PSEUDO("but is not limited to"),
    PSEUDO("but were not limited to"), PSEUDO("but was not limited to"), PRE("risks included", C_HYPO),
    /* what a treatment may fail to do is about a problem the patient has:
     * "they may not help with the weakness" */
    PSEUDO("not help"), PSEUDO("not helped"), PSEUDO("not help with"),
    PSEUDO("not improve"), PSEUDO("not improved"), PSEUDO("not relieve"),
    PSEUDO("not relieved"),
    /* "do not stop warfarin" keeps the medicine: no negation */
    PSEUDO("not stop"), PSEUDO("not to stop"), PSEUDO("not discontinue"),
    PSEUDO("not to discontinue"), PSEUDO("not miss"), PSEUDO("not skip"),

    /* ---- hypothetical ---- */
    PRED("if", C_HYPO, 30), PRED("unless", C_HYPO, 30),
    PRED("should", C_HYPO, 12), PRED("in case", C_HYPO, 12),
    PRED("in the event", C_HYPO, 12), PRE("risk of", C_HYPO),
    PRE("risk for", C_HYPO), PRE("at risk for", C_HYPO),
    PRE("watch for", C_HYPO), PRE("monitor for", C_HYPO),
    /* prevention is of what the patient does not have */
    PRE("prophylaxis for", C_HYPO), PRE("prophylaxis against", C_HYPO),
    PRE("to prevent", C_HYPO), PRE("prevention of", C_HYPO),
    /* "a stress test depending on where the patient shows ischemia" */
    PRE("depending on", C_HYPO), PRE("depending upon", C_HYPO),
    /* what a vaccine is for: "needs vaccination for influenza and pneumonia" */
    PRE("vaccination for", C_HYPO), PRE("vaccinations for", C_HYPO),
    PRE("vaccination against", C_HYPO), PRE("vaccine for", C_HYPO),
    PRE("vaccines for", C_HYPO), PRE("vaccine against", C_HYPO),
    PRE("vaccinated for", C_HYPO), PRE("vaccinated against", C_HYPO),
    PRE("immunization for", C_HYPO), PRE("immunizations for", C_HYPO),
    PRE("immunization against", C_HYPO), PRE("immunized against", C_HYPO),
    PRE("immunized for", C_HYPO), PRE("booster for", C_HYPO),
    POSTD("prophylaxis", C_HYPO, 1), POSTD("prevention", C_HYPO, 1),
    /* what an operation takes care of is not what it found: "care was
     * taken to preserve the lateral fibers", "to avoid injury to" */
    PRED("to avoid", C_HYPO, 5), PRED("avoiding", C_HYPO, 5),
    PRED("avoided", C_HYPO, 5), PRED("avoids", C_HYPO, 5), PRED("prevent", C_HYPO, 5),
    PRED("rather than risk", C_HYPO, 4), PRED("than risk", C_HYPO, 4),
    PRED("prevents", C_HYPO, 5), PRED("prevented", C_HYPO, 5),
    PRED("to preserve", C_HYPO, 5), PRED("preserving the", C_HYPO, 5),
    PRED("to protect", C_HYPO, 5), PRED("protecting the", C_HYPO, 5),
    PRE("monitoring for", C_HYPO), PRE("to prevent", C_HYPO),
    PRE("prevention of", C_HYPO), PRE("prophylaxis for", C_HYPO),
    PRE("prophylaxis against", C_HYPO), PRE("evaluate for", C_HYPO),
    PRE("to evaluate", C_HYPO), PRE("evaluation for", C_HYPO),
    PRE("to assess", C_HYPO), PRE("assess for", C_HYPO),
    PRE("screen for", C_HYPO), PRE("screening for", C_HYPO),
    PRE("return for", C_HYPO), PRED("call", C_HYPO, 30),
    PRE("notify", C_HYPO), PRE("seek medical attention for", C_HYPO),
    /* "instructed to contact Dr. X's office for fever greater than 101.5" */
    PRED("to contact", C_HYPO, 30), PRED("contact the", C_HYPO, 30),
    PRED("contact our", C_HYPO, 30), PRED("contact your", C_HYPO, 30),
    PRED("contact us", C_HYPO, 30), PRED("contact me", C_HYPO, 30),
    PRED("contact dr", C_HYPO, 30), PRED("contact his", C_HYPO, 30),
    PRED("contact her", C_HYPO, 30), PRED("to report", C_HYPO, 30),
    PRED("report to us", C_HYPO, 30), PRED("report any", C_HYPO, 30),
    /* what a test or an observation looks for: "observed overnight for any
     * ischemia", "check urine for microalbuminuria" */
    PRED("for any", C_HYPO, 6), PRED("check for", C_HYPO, 4),
    PRED("checked for", C_HYPO, 4), PRED("checking for", C_HYPO, 4),
    PRED("test for", C_HYPO, 4), PRED("testing for", C_HYPO, 4),
    PRED("urine for", C_HYPO, 3), PRED("stool for", C_HYPO, 3),
    PRED("observed for", C_HYPO, 4), PRED("observe for", C_HYPO, 4),
    PRED("observation for", C_HYPO, 4),
    PRE("precautions", C_HYPO),
    /* the patient's worry is not a finding ("worried about having cancer") */
    PRE("worried about", C_HYPO), PRE("worried that", C_HYPO),
    PRE("worried she", C_HYPO), PRE("worried he", C_HYPO), PRE("worried they", C_HYPO),
    PRE("worries she", C_HYPO), PRE("worries he", C_HYPO),
    PRE("worries about", C_HYPO), PRE("worry about", C_HYPO),
    PRE("afraid of", C_HYPO), PRE("afraid that", C_HYPO),
    PRE("fear of", C_HYPO), PRE("fears", C_HYPO), PRE("fearful of", C_HYPO),
    PRE("anxious about", C_HYPO),
    /* what a test or a workup is for ("before undertaking any workup for
     * multiple myeloma", "angiography to determine if ...") */
    PRE("workup for", C_HYPO), PRE("work-up for", C_HYPO), PRE("work up for", C_HYPO),
    PRE("to determine if", C_HYPO), PRE("to determine whether", C_HYPO),
    PRE("to see if", C_HYPO), PRE("to see whether", C_HYPO),
    /* risks and complications named in consent or education text */
    PRE("risks", C_HYPO), PRE("risks of", C_HYPO), PRE("risks include", C_HYPO),
    PRE("risks including", C_HYPO), PRE("complications such as", C_HYPO),
    PRE("complications including", C_HYPO),
    /* what the patient could go on to have, told in a consent or a
     * prognosis: "he could develop a wound infection", "could get
     * difficulty swallowing", "a danger of becoming paraplegic" */
    PRED("could develop", C_HYPO, 4), PRED("may develop", C_HYPO, 4),
    PRED("might develop", C_HYPO, 4), PRED("can develop", C_HYPO, 4),
    PRED("would develop", C_HYPO, 4), PRED("could get", C_HYPO, 4),
    PRED("could have", C_HYPO, 4), PRED("could become", C_HYPO, 4),
    PRED("could suffer", C_HYPO, 4), PRED("may suffer", C_HYPO, 4),
    PRED("danger of", C_HYPO, 4), PRED("danger of becoming", C_HYPO, 4),
    PRE("chance of developing", C_HYPO), PRE("risk of developing", C_HYPO),
    /* educational text: "tretinoin may increase sun sensitivity" */
    PRED("may increase", C_HYPO, 4), PRED("can increase", C_HYPO, 4),
    PRED("could increase", C_HYPO, 4),
    /* an activity restricted or a goal attempted is not a finding: "restricted
     * from any PE", "multiple attempts at nonsurgical weight loss" */
    PRED("restricted from", C_HYPO, 4), PRED("refrain from", C_HYPO, 4),
    PRED("excused from", C_HYPO, 4), PRED("attempts at", C_HYPO, 3),
    PRED("attempt at", C_HYPO, 3), PRED("efforts at", C_HYPO, 3),
    /* (a past possibility is a doubt: "she could have had a TIA") */
    PRED("could have had", C_UNC, 4), PRED("could have been", C_UNC, 4),
    PSEUDO("could get worse"), PSEUDO("could get better"),
    PRE("complications include", C_HYPO), PRE("complications of", C_HYPO),
    PRE("potential complications", C_HYPO),
    PRE("possible complications", C_HYPO), PRE("side effects", C_HYPO),
    PRE("side effect", C_HYPO), PRE("adverse effects", C_HYPO),
    PRE("warning signs", C_HYPO), PRE("signs and symptoms of", C_HYPO),
    PSEUDO("which includes"), PSEUDO("which include"),
    PRE("advised regarding", C_HYPO), PRE("advised about", C_HYPO),
    PRE("educated about", C_HYPO), PRE("educated on", C_HYPO),
    /* education handed over: "received written information regarding
     * pre-eclampsia and eclampsia", "a handout on gestational diabetes" */
    PRE("information regarding", C_HYPO), PRE("information about", C_HYPO),
    PRE("information on", C_HYPO), PRE("handout on", C_HYPO), PRE("handout about", C_HYPO),
    PRE("handout regarding", C_HYPO), PRE("literature on", C_HYPO),
    PRE("literature about", C_HYPO), PRE("literature regarding", C_HYPO),
    PRE("pamphlet on", C_HYPO), PRE("pamphlet about", C_HYPO), PRE("brochure on", C_HYPO),
    PRE("education regarding", C_HYPO), PRE("educated regarding", C_HYPO),
    PRE("counseled regarding", C_HYPO), PRE("counselled regarding", C_HYPO),
    PRE("instructions regarding", C_HYPO), PRE("instructions on", C_HYPO),
    PRE("counseled on", C_HYPO), PRE("counseled about", C_HYPO),
    PRE("counselled on", C_HYPO), PRE("instructed on", C_HYPO),
    PRE("informed about", C_HYPO), PRE("education on", C_HYPO),
    /* return precautions: "return to the emergency department for
     * worsening shortness of breath" */
    PRE("return to the emergency", C_HYPO), PRE("return to the er", C_HYPO),
    PRE("return to the ed", C_HYPO), PRE("return to the hospital", C_HYPO),
    PRE("go to the emergency", C_HYPO), PRE("go to the er", C_HYPO),
    PRE("go to the nearest", C_HYPO), PRE("present to the emergency", C_HYPO),
    PRE("seek medical", C_HYPO), PRE("seek immediate", C_HYPO),
    PRE("seek care", C_HYPO), PRE("come back", C_HYPO),
    /* a drug's indication: "Tylenol 650 mg q6h prn pain" */
    PRED("prn", C_HYPO, 4), PRED("p.r.n", C_HYPO, 4),
    PRED("as needed", C_HYPO, 4), PRED("if needed", C_HYPO, 4),
    PRED("when needed", C_HYPO, 4),
    /* generic subjects of educational text */
    PRE("people with", C_HYPO), PRE("people who", C_HYPO),
    PRE("patients with", C_HYPO), PRE("patients who", C_HYPO),
    PRE("persons with", C_HYPO), PRE("individuals with", C_HYPO),
    PRE("those with", C_HYPO), PRE("anyone with", C_HYPO),
    PRE("someone with", C_HYPO), PRE("children with", C_HYPO),
    PRE("any patient with", C_HYPO), PRE("any person with", C_HYPO),
    PRE("adults with", C_HYPO), PRE("women with", C_HYPO),
    PRE("men with", C_HYPO), PRE("can cause", C_HYPO),
    PRE("may cause", C_HYPO), PRE("could cause", C_HYPO),
    PRE("can lead to", C_HYPO), PRE("may lead to", C_HYPO),
    PRE("can result in", C_HYPO), PRE("may result in", C_HYPO),
    PRE("symptoms include", C_HYPO), PRE("symptoms may include", C_HYPO),
    PRE("symptoms can include", C_HYPO), PRE("signs include", C_HYPO),
    PRE("causes include", C_HYPO),
    POSTD("can cause", C_HYPO, 3), POSTD("may cause", C_HYPO, 3),
    POSTD("if persistent", C_HYPO, 4), POSTD("if confirmed", C_HYPO, 4),
    /* what a workup or a protocol is for: "a complete septic workup was
     * done", "a rule out sepsis protocol", "pulmonary embolism protocol" */
    POSTD("workup", C_HYPO, 1), POSTD("work-up", C_HYPO, 1), POSTD("protocol", C_HYPO, 1),
    POSTD("can lead to", C_HYPO, 3), POSTD("may lead to", C_HYPO, 3),
    POSTD("include", C_HYPO, 2),

    /* ---- uncertainty (LOW_CONFIDENCE) ---- */
    PRE("possible", C_UNC), PRE("possibly", C_UNC), PRE("probable", C_UNC),
    /* a doubt, not a no: "may or may not have a hiatal hernia" */
    PRE("may or may not", C_UNC), PRE("might or might not", C_UNC),
    /* a differential in other words: "Possibilities include Meckel's
     * diverticulum, polyp, infection" */
    PRE("possibilities", C_UNC), PRE("possibilities include", C_UNC),
    PRE("possibilities are", C_UNC), PRE("considerations include", C_UNC),
    PRE("differentials include", C_UNC), PRE("differential considerations", C_UNC),
    PRE("probably", C_UNC), PRE("suspected", C_UNC), PRE("suspect", C_UNC),
    PRE("suspicious for", C_UNC), PRE("suspicion of", C_UNC),
    PRE("suspicion for", C_UNC), PRE("concern for", C_UNC),
    PRE("concerning for", C_UNC), PRE("worrisome for", C_UNC),
    PRE("question of", C_UNC), PRE("questionable", C_UNC),
    PRED("the question", C_UNC, 10), PRED("question raised", C_UNC, 10),
    PRE("questionably", C_UNC), PRED("question", C_UNC, 2), PRE("r/o", C_UNC), PRE("rule out", C_UNC),
    PRE("rule-out", C_UNC), PRE("to rule out", C_UNC), PRE("ro", C_UNC),
    PRED("likely", C_UNC, 3), PRE("may be", C_UNC), PRE("may have", C_UNC),
    PRE("might", C_UNC), PRE("could be", C_UNC), PRE("cannot exclude", C_UNC),
    PRE("can not exclude", C_UNC), PRE("cannot rule out", C_UNC),
    PRE("can't rule out", C_UNC), PRE("differential", C_UNC),
    PRE("ddx", C_UNC), PRE("presumed", C_UNC), PRE("presumably", C_UNC),
    PRE("equivocal", C_UNC), PRE("thought to be", C_UNC),
    PRE("felt to be", C_UNC), PRE("consider", C_UNC),
    PRED("?", C_UNC, 1), PRE("query", C_UNC), PRED("versus", C_UNC, 4),
    /* "the patient had either a transverse myelitis ... vs. ..." */
    PRED("either a", C_UNC, 3), PRED("either an", C_UNC, 3),
    PRED("vs", C_UNC, 4), PRE("to exclude", C_UNC), PRE("exclude", C_UNC),
    PRE("exclusion of", C_UNC),
    /* treated before it was proven ("started on empiric treatment for
     * toxoplasmosis") */
    PRE("empiric treatment for", C_UNC), PRE("empiric therapy for", C_UNC),
    PRE("empirically treated for", C_UNC), PRE("treated empirically for", C_UNC),
    PRE("empiric coverage for", C_UNC),
    PRE("may also be", C_UNC), PRE("can also be", C_UNC), PRE("could also be", C_UNC),
    /* "It is not certain whether there is a Babinski sign" */
    PRE("not certain whether", C_UNC), PRE("not certain if", C_UNC),
    PRE("uncertain whether", C_UNC), PRE("uncertain if", C_UNC),
    PRE("unclear whether", C_UNC), PRE("unclear if", C_UNC),
    PRE("not clear whether", C_UNC), PRE("not clear if", C_UNC),
    PRE("not sure whether", C_UNC), PRE("not sure if", C_UNC),
    /* a question asked: "concerned as to whether she had appendicitis",
     * "not really clear on whether these were seizures" (a "whether"
     * also ends a negation before it: context.c) */
    PRED("whether", C_UNC, 8), PRED("as to whether", C_UNC, 8),
    PRED("as whether", C_UNC, 8), PRED("question whether", C_UNC, 8),
    PRED("questioned whether", C_UNC, 8), PRED("wondered whether", C_UNC, 8),
    PRED("wondered if", C_UNC, 8), PRED("wondering if", C_UNC, 8),
    PRED("wondering whether", C_UNC, 8), PRED("asked whether", C_UNC, 8),
    /* the clinician's worry is a suspicion ("there is a concern that the
     * patient had a low-grade fever"); the patient's is not (below) */
    PRE("concern that", C_UNC), PRE("concerned that", C_UNC),
    PRE("concerned about", C_UNC), PRE("concerns for", C_UNC),
    PRE("concerns of", C_UNC), PRE("concern of", C_UNC), PRE("concerns about", C_UNC),
    PRE("doubt she has", C_UNC), PRE("doubt he has", C_UNC),
    /* "Doubt SAH given the typical pattern": the writer leans against it
     * without ruling it out -- a doubt, never a conclusion */
    PRE("doubt", C_UNC), PRE("doubtful", C_UNC), PRE("doubtful for", C_UNC),
    POSTD("doubtful", C_UNC, 3), POSTD("is doubtful", C_UNC, 3),
    POSTD("doubted", C_UNC, 3),
    POSTD("was considered", C_UNC, 3), POSTD("were considered", C_UNC, 3),
    POSTD("was entertained", C_UNC, 3), POSTD("were entertained", C_UNC, 3),
    /* "infection or ischemia must be considered" */
    POSTD("be considered", C_UNC, 3), POSTD("must be considered", C_UNC, 3),
    POSTD("should be considered", C_UNC, 3), POSTD("to be considered", C_UNC, 3),
    POSTD("be entertained", C_UNC, 3), POSTD("should be excluded", C_UNC, 3),
    POSTD("must be excluded", C_UNC, 3), POSTD("needs to be excluded", C_UNC, 3),
    POST("cannot be completely excluded", C_UNC), POST("cannot be entirely excluded", C_UNC),
    POST("cannot be definitely excluded", C_UNC), POST("cannot be totally excluded", C_UNC),
    POST("could not be excluded", C_UNC), POST("could not be ruled out", C_UNC),
    PRE("suggestive of", C_UNC), PRE("suggesting", C_UNC),
    PRE("suggests", C_UNC), PRE("suggest", C_UNC), PRE("suggested", C_UNC),
    PRE("suggested that", C_UNC),
    PRE("may represent", C_UNC), PRE("could represent", C_UNC),
    PRE("might represent", C_UNC), PRE("may reflect", C_UNC),
    PRE("may be due to", C_UNC), PRE("could be due to", C_UNC),
    PRE("might be due to", C_UNC), PRE("possibly due to", C_UNC),
    PRE("may be secondary to", C_UNC), PRE("may indicate", C_UNC),
    PRE("could indicate", C_UNC), PRE("could reflect", C_UNC),
    PRE("possibility of", C_UNC), PRE("differential includes", C_UNC),
    PRE("differential diagnosis", C_UNC), PRE("differential diagnoses", C_UNC),
    PRE("differential diagnosis is", C_UNC), PRE("differential is", C_UNC),
    PRE("differential diagnosis includes", C_UNC),
    PRE("differential diagnoses include", C_UNC),
    /* "unlikely" and "low suspicion" leave a condition open, not ruled
     * out: LOW_CONFIDENCE (uncertain never misleads as "ruled out" would) */
    PRE("low suspicion for", C_UNC), PRE("low suspicion of", C_UNC),
    PRE("low likelihood of", C_UNC), PRE("low probability of", C_UNC),
    PRE("unlikely to be", C_UNC), PRED("unlikely", C_UNC, 3),
    POSTD("unlikely", C_UNC, 4), POSTD("is unlikely", C_UNC, 4),
    /* (longer than the post-trigger "is unlikely" at the same token) */
    PRE("is unlikely to have", C_UNC), PRE("is unlikely to be", C_UNC),
    PRE("are unlikely to be", C_UNC), PRE("unlikely to have", C_UNC),
    POSTD("to be excluded", C_UNC, 3), POSTD("is questioned", C_UNC, 3),
    POSTD("suspected", C_UNC, 3), POSTD("is suspected", C_UNC, 3),
    POSTD("questioned", C_UNC, 3), POST("not excluded", C_UNC),
    POST("not been excluded", C_UNC), POST("cannot be excluded", C_UNC),
    POST("can not be excluded", C_UNC), POST("not ruled out", C_UNC),
    POST("not been ruled out", C_UNC), POST("cannot be ruled out", C_UNC),
    POSTD("versus", C_UNC, 2), POSTD("vs", C_UNC, 2),
    POSTD("likely", C_UNC, 2), POSTD("questionable", C_UNC, 2),
    POSTD("possible", C_UNC, 2), POSTD("?", C_UNC, 1),

    /* ---- history ---- */
    PRE("history of", C_HIST), PRE("hx of", C_HIST), PRE("h/o", C_HIST),
    PRE("hx", C_HIST), PRE("status post", C_HIST), PRE("s/p", C_HIST),
    /* a problem that resolved was the patient's: past, not ruled out
     * ("hyponatremia (resolved)", "fever resolved on day 2") */
    POSTD("resolved", C_HIST, 1), POSTD("has resolved", C_HIST, 1),
    POSTD("have resolved", C_HIST, 1), POSTD("had resolved", C_HIST, 1),
    /* "two hours of chest tightness at rest, now resolved" */
    POSTD("now resolved", C_HIST, 5), POSTD("since resolved", C_HIST, 5),
    POSTD("has since resolved", C_HIST, 5), POSTD("now settled", C_HIST, 5),
    PRE("previous", C_HIST), PRE("previously", C_HIST), PRE("prior", C_HIST),
    PRED("past", C_HIST, 4), PRE("remote", C_HIST), PRE("former", C_HIST),
    PRED("quit", C_HIST, 2), PRED("stopped", C_HIST, 2), POSTD("quit", C_HIST, 2),
    PRE("was diagnosed with", C_HIST),
    /* the reason for a first visit, told in a follow-up note */
    PRED("initially saw him for", C_HIST, 4), PRED("initially saw her for", C_HIST, 4),
    PRED("first saw him for", C_HIST, 4), PRED("first saw her for", C_HIST, 4),
    PRED("initially seen for", C_HIST, 4), PRED("originally seen for", C_HIST, 4),
    PRED("initially referred for", C_HIST, 4), PRED("originally referred for", C_HIST, 4),
    PRE("past medical history", C_HIST), PRE("medical history", C_HIST),
    PRE("surgical history", C_HIST), PRE("pmh", C_HIST), PRE("pmhx", C_HIST),
    POSTD("in the past", C_HIST, 6), POSTD("ago", C_HIST, 6),
    POSTD("last year", C_HIST, 4), POSTD("previously", C_HIST, 3),
    /* a time of life long past: "he suffered from obesity as a young
     * teenager", "asthma as a child" ("as a baby" is left out: "as well as
     * a baby aspirin") */
    POSTD("as a child", C_HIST, 4), POSTD("as a teenager", C_HIST, 4),
    POSTD("as a young teenager", C_HIST, 4), POSTD("as a teen", C_HIST, 4),
    POSTD("as an infant", C_HIST, 4),
    POSTD("in childhood", C_HIST, 4), POSTD("during childhood", C_HIST, 4),
    POSTD("in her childhood", C_HIST, 4), POSTD("in his childhood", C_HIST, 4),
    /* a tumour taken out in the past: "colon adenocarcinoma, resected
     * 2023" (its follow-up says whether it came back) */
    POSTD("resected", C_HIST, 2), POSTD("resected in", C_HIST, 2),
    /* "a fracture when he was 13 years of age" */
    POSTD("when he was", C_HIST, 4), POSTD("when she was", C_HIST, 4),

    /* ---- family ---- */
    PRED("family history of", C_FAM, 30), PRED("family history", C_FAM, 30),
    PRED("family hx", C_FAM, 30), PRED("fh", C_FAM, 30),
    PRED("fhx", C_FAM, 30), PRED("mother", C_FAM, 8),
    PRED("mother's", C_FAM, 8), PRED("father", C_FAM, 8),
    PRED("father's", C_FAM, 8), PRED("brother", C_FAM, 8),
    PRED("brothers", C_FAM, 8), PRED("sister", C_FAM, 8),
    PRED("sisters", C_FAM, 8), PRED("sibling", C_FAM, 8),
    PRED("siblings", C_FAM, 8), PRED("aunt", C_FAM, 8),
    PRED("uncle", C_FAM, 8), PRED("grandmother", C_FAM, 8),
    PRED("grandfather", C_FAM, 8), PRED("grandparents", C_FAM, 8),
    PRED("cousin", C_FAM, 8), PRED("son", C_FAM, 8),
    PRED("daughter", C_FAM, 8), PRED("sons", C_FAM, 8),
    PRED("daughters", C_FAM, 8), PRED("parents", C_FAM, 8),
    PRED("mom", C_FAM, 8), PRED("dad", C_FAM, 8),
    PRED("maternal", C_FAM, 8), PRED("paternal", C_FAM, 8),
    PRED("niece", C_FAM, 8), PRED("nephew", C_FAM, 8),
    PRED("relative", C_FAM, 8), PRED("relatives", C_FAM, 8),
    PRED("family member", C_FAM, 8), PRED("family members", C_FAM, 8),
    PRED("children", C_FAM, 8), PRED("grandchildren", C_FAM, 8),
    /* a birth history is the mother's: "the product of an unplanned
     * pregnancy complicated by gestational diabetes" */
    PRED("product of", C_FAM, 10),

    /* ---- terminations ---- */
    TERM("but"), TERM("however"), TERM("although"), TERM("though"),
    TERM("except"), TERM("except for"), TERM("aside from"),
    TERM("apart from"), TERM("other than"), TERM("yet"), TERM("still"),
    TERM("nevertheless"), TERM("which"), TERMC("who", C_NFAM),
    TERMC("whom", C_NFAM), TERMC("whose", C_NFAM), TERM("where"),
    /* a cause ends a negation ("could not walk due to pain") and a
     * history ("a history of COPD, admitted secondary to shortness of
     * breath"), not a doubt or a hypothesis about it ("rule out dementia
     * secondary to substance abuse", "to determine if his symptoms are
     * due to CAD") -- unless the doubt is the link itself, its trigger
     * right before ("headache, probably secondary to contusion": context.c) */
    TERMC("secondary to", C_CAUSE), TERMC("due to", C_CAUSE),
    TERM("because"), TERM("cause of"), TERM("causes of"),
    TERM("source of"), TERM("etiology of"), TERM("reason for"),
    /* "no abnormality to explain the patient's headaches": what is
     * absent is the cause, not the headaches */
    TERMC("to explain", C_NEG), TERMC("to account for", C_NEG),
    /* the patient's own past event, named as a cause: "no residual
     * deficits from her stroke", "no pain since his surgery" */
    TERMC("from her", C_NEG), TERMC("from his", C_NEG), TERMC("from their", C_NEG),
    TERMC("after her", C_NEG), TERMC("after his", C_NEG),
    TERMC("since her", C_NEG), TERMC("since his", C_NEG),
    /* a new clause with its own subject ends a negation: "he does not
     * have any pain with this tic and this is mainly a muscle spasm" */
    TERMC("this is", C_NEG), TERMC("this was", C_NEG), TERMC("it is", C_NEG),
    TERMC("it was", C_NEG), TERMC("there is", C_NEG), TERMC("there was", C_NEG),
    TERMC("there are", C_NEG), TERMC("there were", C_NEG),
    TERMC("that would explain", C_NEG), TERMC("which would explain", C_NEG),
    TERM("origin of"), TERM("presents with"), TERM("presented with"),
    TERM("presenting with"), TERM("complains of"), TERM("complaining of"),
    TERM("complained of"), TERM("reports"), TERM("reported"),
    TERM("reporting"), TERM("admits to"), TERM("shows"), TERM("showed"),
    TERM("reveals"), TERM("revealed"), TERM("demonstrates"),
    TERM("demonstrated"), TERM("now"), TERM("currently"),
    TERMC("positive for", C_NEG), TERMC("+ve for", C_NEG), TERMC("significant for", C_NEG),
    TERMC("has", C_NU), TERMC("patient", C_FAM),
    /* a new clause with its own verb ends negation and uncertainty:
     * "no fever and is eating well" */
    TERMV("is"), TERMV("are"), TERMV("was"),
    TERMV("were"), TERMV("have"), TERMV("had"),
    TERMV("does"), TERMV("did"), TERMV("feels"),
    TERMV("states"), TERMV("notes"), TERMV("endorses"),
    TERMV("describes"), TERMV("developed"),
    TERMV("underwent"), TERMV("takes"), TERMV("remains"),
    /* a story moves on: "could not move the toes, came to the emergency
     * room, diagnosed with gout" (a pronoun may stand between: "could not
     * remember anything and he was repeating himself ... agitated", context.c) */
    TERMV("came"), TERMV("went"), TERMV("diagnosed"), TERMV("admitted"),
    TERMV("treated"), TERMV("started"), TERMV("found"),
    /* a degree after a comma or "and" starts a finding that is there:
     * "no thrombi, trivial MR", "no edema, mild erythema" (not "large" or
     * "small": "no pneumothorax, large effusion or consolidation" lists
     * what is absent) */
    TERMV("mild"), TERMV("mildly"), TERMV("moderate"), TERMV("moderately"),
    TERMV("severe"), TERMV("trivial"), TERMV("trace"), TERMV("minimal"),
    TERMC("she", C_FAM), TERMC("he", C_FAM),
};

const size_t ms__ctx_ntriggers = sizeof ms__ctx_triggers / sizeof ms__ctx_triggers[0];

_Static_assert(sizeof ms__ctx_triggers / sizeof ms__ctx_triggers[0] <= MS_CTX_MAX_TRIG,
               "raise MS_CTX_MAX_TRIG");
