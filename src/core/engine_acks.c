/* engine_acks.c -- the hard in-flight bound for sources whose commits are
 * asynchronous (source.h, acks_commits).
 *
 * A report counts against engine.max_inflight_docs / _bytes from its
 * admission until the source reports that the broker acknowledged a commit
 * past its offset (ms_engine_committed), not only until its sinks confirmed
 * it. So at any moment the reports this process delivered whose position is
 * not committed at the broker -- what a crash makes the next owner redo --
 * number at most the in-flight limit (docs/reliability.md).
 *
 * The delivered, unacknowledged reports are kept in one unordered array of
 * (lane, offset, bytes): at most max_inflight_docs entries (one more for a
 * report larger than the byte limit), scanned once per acknowledgement,
 * which comes once per commit (per batch), not per report. A lane's entries
 * go when an acknowledgement passes them, when the lane is forgotten
 * (revoked or lost: the next owner reads them again, the documented
 * duplicate case) and all at once when the engine finishes, so nothing can
 * stay counted for ever. All on the loop thread. ms_engine_committed (in
 * engine.c, which resumes the source) releases through here. */
#include "core/engine_internal.h"

#include <stdlib.h>

#include "base/log.h"

bool ms__engine_await_ack(ms_engine *e, const ms_doc *doc)
{
    if (!e->source || !e->source->ops->acks_commits || e->finishing ||
        !ms_tracker_live(&doc->ticket))
        return false;
    if (e->nunacked == e->cap_unacked) {
        size_t cap = e->cap_unacked ? 2 * e->cap_unacked : (size_t)e->max_docs + 1;
        struct ms_unacked *u = realloc(e->unacked, cap * sizeof *u);
        if (!u) {
            /* Out of memory: released at once, as without acknowledgements
             * (the bound then holds for the other reports only). */
            ms_log(MS_LOG_WARN, "out of memory keeping a report counted until its commit",
                   KS("id", doc->id), KEND);
            return false;
        }
        e->unacked = u;
        e->cap_unacked = cap;
    }
    e->unacked[e->nunacked++] = (struct ms_unacked){
        .lane = doc->pos.lane, .offset = doc->pos.offset, .bytes = (int64_t)doc->input_size};
    e->unacked_docs++;
    e->unacked_bytes += (int64_t)doc->input_size;
    return true;
}

/* Drop the entries of lane below next (all of them with next < 0). */
static void release_lane(ms_engine *e, uint64_t lane, int64_t next)
{
    size_t j = 0;
    int64_t docs = 0, bytes = 0;
    for (size_t i = 0; i < e->nunacked; i++) {
        struct ms_unacked *u = &e->unacked[i];
        if (u->lane == lane && (next < 0 || u->offset < next)) {
            docs++;
            bytes += u->bytes;
        } else {
            e->unacked[j++] = *u;
        }
    }
    if (docs == 0)
        return;
    e->nunacked = j;
    e->unacked_docs -= docs;
    e->unacked_bytes -= bytes;
    ms__engine_inflight_changed(e);
}

void ms__engine_acks_release(ms_engine *e, uint64_t lane, int64_t next_offset)
{
    if (next_offset >= 0)
        release_lane(e, lane, next_offset);
}

void ms__engine_acks_forget(ms_engine *e, uint64_t lane)
{
    release_lane(e, lane, -1);
}

void ms__engine_acks_clear(ms_engine *e)
{
    if (e->nunacked == 0)
        return;
    e->nunacked = 0;
    e->unacked_docs = 0;
    e->unacked_bytes = 0;
    ms__engine_inflight_changed(e);
}

void ms__engine_acks_flush(ms_engine *e)
{
    if (e->paused && e->unacked_docs > 0 && e->source && e->source->ops->flush)
        e->source->ops->flush(e->source);
}
