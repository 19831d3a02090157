/* cm_ops.h -- the Amazon Comprehend Medical operations medstream calls,
 * with the service's per-request text limits and documented default
 * quotas (Service Quotas, "Amazon Comprehend Medical", 2026). */
#ifndef MS_CM_OPS_H
#define MS_CM_OPS_H

#include <stddef.h>
#include <string.h>

typedef enum ms_cm_op {
    MS_CM_DETECT_ENTITIES_V2 = 0,
    MS_CM_INFER_ICD10CM,
    MS_CM_INFER_RXNORM,
    MS_CM_INFER_SNOMEDCT,
    MS_CM_DETECT_PHI,
    MS_CM_NOPS
} ms_cm_op;

typedef struct ms_cm_op_info {
    const char *name;        /* the API name: "DetectEntitiesV2" */
    const char *key;         /* config: comprehend.<key>.tps: "detect_entities_v2" */
    size_t max_bytes;        /* UTF-8 bytes of Text per request */
    double tps, cps;         /* default quotas: requests/s, characters/s */
} ms_cm_op_info;

static const ms_cm_op_info ms_cm_ops[MS_CM_NOPS] = {
    {"DetectEntitiesV2", "detect_entities_v2", 20000, 40, 40000},
    {"InferICD10CM", "infer_icd10cm", 10000, 40, 40000},
    {"InferRxNorm", "infer_rxnorm", 10000, 40, 40000},
    {"InferSNOMEDCT", "infer_snomedct", 10000, 2, 5000},
    {"DetectPHI", "detect_phi", 20000, 40, 40000},
};

#define MS_CM_TARGET_PREFIX "ComprehendMedical_20181030."

/* The op with this API name, or -1. */
static inline int ms_cm_op_find(const char *name)
{
    for (int i = 0; i < MS_CM_NOPS; i++)
        if (strcmp(ms_cm_ops[i].name, name) == 0)
            return i;
    return -1;
}

/* Billed units for one request of `chars` characters: 100 characters per
 * unit, at least one unit per request. */
static inline size_t ms_cm_billed_units(size_t chars)
{
    size_t u = (chars + 99) / 100;
    return u ? u : 1;
}

#endif
