/* checkpoint.h -- where a stream source keeps how far each shard is
 * delivered (checkpoint.store).
 *
 * A store maps a shard id to the sequence number of the last record every
 * sink confirmed, or to MS_CHECKPOINT_SHARD_END once a closed shard was
 * read to its end and all of it was delivered. The source calls set() only
 * after sink confirmation (the delivery watermark) and flush() to make the
 * positions durable (on a timer, at a shard's end and at close).
 *
 * The file store (checkpoint.store = file) keeps one JSON document,
 * {"streams": {"<stream>": {"<shardId>": "<sequence>" | "SHARD_END"}}},
 * rewritten atomically (temporary file, fsync, rename, fsync of the
 * directory). Several streams may share a file; one process per file.
 *
 * Loop thread only. */
#ifndef MS_CHECKPOINT_H
#define MS_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>
#include <uv.h>

#include "aws/aws.h"
#include "base/config.h"

#define MS_CHECKPOINT_SHARD_END "SHARD_END"

typedef struct ms_checkpoint ms_checkpoint;

typedef struct ms_checkpoint_ops {
    const char *name;
    /* The stored position of a shard, or NULL when none; valid until the
     * next set() of that shard. */
    const char *(*get)(ms_checkpoint *c, const char *shard);
    /* Record a position (in memory until flush). 0 or -1. */
    int (*set)(ms_checkpoint *c, const char *shard, const char *position);
    /* Make every recorded position durable. 0, or -1 with a logged error
     * (the positions stay pending and the next flush tries again). */
    int (*flush)(ms_checkpoint *c);
    void (*free)(ms_checkpoint *c);

    /* Lease stores only (NULL in the file store, where every shard is
     * ours and nothing runs in the background). */
    /* Begin (table checks, lease renewal and taking) on the loop with the
     * source's AWS client. 0 or -1. */
    int (*start)(ms_checkpoint *c, uv_loop_t *loop, ms_aws *aws);
    /* Create leases for shards (a ListShards "Shards" array). */
    void (*add_shards)(ms_checkpoint *c, json_t *shards);
    /* True while this process holds the shard's lease. */
    bool (*owns)(ms_checkpoint *c, const char *shard);
    /* True once the first round of lease taking is over. */
    bool (*settled)(ms_checkpoint *c);
    /* Flush, wait for what is in flight, then done(ud); the AWS client
     * must stay open until then. */
    void (*close)(ms_checkpoint *c, void (*done)(void *ud), void *ud);
} ms_checkpoint_ops;

struct ms_checkpoint {
    const ms_checkpoint_ops *ops;
};

/* The store named by checkpoint.store for one stream; NULL with a reason. */
ms_checkpoint *ms_checkpoint_open(const ms_config *cfg, const char *stream, char *err,
                                  size_t errlen);

/* The DynamoDB lease store (checkpoint_ddb.c): a KCL-compatible lease
 * table shared by every process reading the stream. */
ms_checkpoint *ms_checkpoint_ddb_open(const ms_config *cfg, const char *stream, char *err,
                                      size_t errlen);

/* The file store at path (created on the first flush, mode 0600). */
ms_checkpoint *ms_checkpoint_file_open(const char *path, const char *stream, char *err,
                                       size_t errlen);
/* The permission bits the file store writes with, applied exactly whatever
 * the umask (base/filemode.h); ms_checkpoint_open sets checkpoint.mode. */
void ms_checkpoint_file_set_mode(ms_checkpoint *c, mode_t mode);

const char *ms_checkpoint_get(ms_checkpoint *c, const char *shard);
int ms_checkpoint_set(ms_checkpoint *c, const char *shard, const char *position);
int ms_checkpoint_flush(ms_checkpoint *c);
void ms_checkpoint_free(ms_checkpoint *c);

#endif
