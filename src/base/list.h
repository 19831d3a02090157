/* list.h -- the one intrusive doubly-linked list (header-only).
 *
 * A list is a circular ring through a head node: an empty head points at
 * itself. An element embeds an ms_list node and is recovered from it with
 * ms_list_entry (container_of). Nothing is allocated; the list owns none of
 * its elements.
 *
 * Contract:
 *  - ms_list_init on every head before use, and on a node that may be
 *    tested with ms_list_linked or removed before it is ever inserted.
 *  - A node is in at most one list at a time. Inserting a node that is
 *    linked corrupts both lists.
 *  - ms_list_remove unlinks a linked node in O(1) and leaves it self-linked,
 *    so removing it again, or ms_list_linked, is safe; it never touches the
 *    head, so the caller need not know which list the node is in.
 *  - Iteration with ms_list_foreach must not remove the current node; use
 *    ms_list_foreach_safe for that (it may remove only the current node).
 *  - Not thread-safe: the owner of the head serialises access.
 *
 * Example:
 *     typedef struct job { int id; ms_list link; } job;
 *     ms_list jobs; ms_list_init(&jobs);
 *     ms_list_insert_tail(&jobs, &j->link);
 *     ms_list *it, *tmp;
 *     ms_list_foreach_safe(it, tmp, &jobs) {
 *         job *x = ms_list_entry(it, job, link);
 *         ms_list_remove(&x->link);
 *     } */
#ifndef MS_BASE_LIST_H
#define MS_BASE_LIST_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ms_list {
    struct ms_list *prev, *next;
} ms_list;

#define ms_list_entry(node, type, member) \
    ((type *)((char *)(node) - offsetof(type, member)))

/* First / last element's node, or NULL when the list is empty. */
#define ms_list_first_entry(head, type, member) \
    (ms_list_empty(head) ? NULL : ms_list_entry((head)->next, type, member))
#define ms_list_last_entry(head, type, member) \
    (ms_list_empty(head) ? NULL : ms_list_entry((head)->prev, type, member))

#define ms_list_foreach(it, head) \
    for ((it) = (head)->next; (it) != (head); (it) = (it)->next)

#define ms_list_foreach_safe(it, tmp, head) \
    for ((it) = (head)->next, (tmp) = (it)->next; (it) != (head); \
         (it) = (tmp), (tmp) = (it)->next)

static inline void ms_list_init(ms_list *h)
{
    h->prev = h->next = h;
}

static inline bool ms_list_empty(const ms_list *h)
{
    return h->next == h;
}

/* For a node: is it in a list? (It must have been initialised or removed.) */
static inline bool ms_list_linked(const ms_list *n)
{
    return n->next != n;
}

static inline void ms__list_link(ms_list *prev, ms_list *n, ms_list *next)
{
    n->prev = prev;
    n->next = next;
    prev->next = n;
    next->prev = n;
}

static inline void ms_list_insert_head(ms_list *h, ms_list *n)
{
    ms__list_link(h, n, h->next);
}

static inline void ms_list_insert_tail(ms_list *h, ms_list *n)
{
    ms__list_link(h->prev, n, h);
}

static inline void ms_list_remove(ms_list *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->prev = n->next = n;
}

#endif
