/* tracker.h -- the ordered delivery watermark.
 *
 * Each source partition is a lane (a 64-bit key the source chooses). Records
 * enter a lane in position order; when a record is confirmed by every sink it
 * is marked done, and the lane's watermark advances over every leading done
 * record. A position is committable only when it and everything before it on
 * its lane are done: the rule that makes delivery at-least-once.
 *
 * Loop thread only. */
#ifndef MS_TRACKER_H
#define MS_TRACKER_H

#include <stdbool.h>
#include <stdint.h>

typedef struct ms_tracker ms_tracker;
typedef struct ms_lane ms_lane;

/* A record's place in its lane; kept by the doc. */
typedef struct ms_ticket {
    ms_lane *lane;
    uint64_t index;
} ms_ticket;

/* Called when a lane's watermark moves: every position below next_offset
 * on that lane is delivered. */
typedef void (*ms_tracker_commit_cb)(uint64_t lane_key, int64_t next_offset, void *ud);

ms_tracker *ms_tracker_new(ms_tracker_commit_cb cb, void *ud);
void ms_tracker_free(ms_tracker *t);

/* Register a record at `offset` on lane `key` (offsets increase per lane). */
int ms_tracker_add(ms_tracker *t, uint64_t key, int64_t offset, ms_ticket *out);

/* Mark the record done; may call the commit callback. */
void ms_tracker_done(ms_tracker *t, ms_ticket *ticket);

/* Drop a record that will never be delivered by this process (abandoned at
 * shutdown): the watermark will not pass it. */
void ms_tracker_abandon(ms_tracker *t, ms_ticket *ticket);

/* Forget a lane (partition revoked): records still in flight on it will not
 * advance any watermark when they finish. */
void ms_tracker_forget(ms_tracker *t, uint64_t key);

/* True while the ticket's record is pending on a lane still in the table
 * (not forgotten): its delivery can still be committed. */
bool ms_tracker_live(const ms_ticket *ticket);

/* The next offset to commit on a lane, or -1 when nothing was delivered. */
int64_t ms_tracker_watermark(ms_tracker *t, uint64_t key);

/* Records registered and not yet done, over all lanes. */
uint64_t ms_tracker_pending(const ms_tracker *t);

#endif
