/*
 * sessions: the SMTP process's sessions by id (sessions.h), in a fixed
 * array of hash buckets.  Ids are unique for the life of the process,
 * so a stale answer can never reach a new session.
 */
#include <sys/queue.h>

#include <stdlib.h>

#include "lib/log.h"
#include "smtpd/sessions.h"

#define SESSION_BUCKETS	4096

struct session_ref {
	LIST_ENTRY(session_ref)	 entry;
	uint64_t		 id;
	void			*s;
};

static LIST_HEAD(, session_ref)	 buckets[SESSION_BUCKETS];
static size_t			 nsessions;

void
sessions_init(void)
{
	size_t	i;

	for (i = 0; i < SESSION_BUCKETS; i++)
		LIST_INIT(&buckets[i]);
	nsessions = 0;
}

void
sessions_add(uint64_t id, void *s)
{
	struct session_ref	*r;

	if ((r = malloc(sizeof(*r))) == NULL)
		fatal("smtp: malloc");
	r->id = id;
	r->s = s;
	LIST_INSERT_HEAD(&buckets[id % SESSION_BUCKETS], r, entry);
	nsessions++;
}

void
sessions_remove(uint64_t id)
{
	struct session_ref	*r;

	LIST_FOREACH(r, &buckets[id % SESSION_BUCKETS], entry)
		if (r->id == id) {
			LIST_REMOVE(r, entry);
			free(r);
			nsessions--;
			return;
		}
}

void *
sessions_find(uint64_t id)
{
	struct session_ref	*r;

	LIST_FOREACH(r, &buckets[id % SESSION_BUCKETS], entry)
		if (r->id == id)
			return r->s;
	return NULL;
}

size_t
sessions_count(void)
{
	return nsessions;
}

void
sessions_foreach(void (*fn)(void *))
{
	struct session_ref	*r, *next;
	size_t			 i;

	for (i = 0; i < SESSION_BUCKETS; i++)
		for (r = LIST_FIRST(&buckets[i]); r != NULL; r = next) {
			next = LIST_NEXT(r, entry);
			fn(r->s);
		}
}
