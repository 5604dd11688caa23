/*
 * sessions: the SMTP process's sessions by id, so that an answer from
 * the auth or queue process, which carries the id of the session that
 * asked, finds it again -- or finds that the client has left.  Knows
 * nothing of what a session is.  Single-threaded, like the process.
 */
#ifndef POSTERN_SESSIONS_H
#define POSTERN_SESSIONS_H

#include <stddef.h>
#include <stdint.h>

void	 sessions_init(void);
void	 sessions_add(uint64_t id, void *);	/* fatal without memory */
void	 sessions_remove(uint64_t id);
void	*sessions_find(uint64_t id);		/* NULL if gone */
size_t	 sessions_count(void);
/* Call fn on each; fn may remove the one it is given, and only it. */
void	 sessions_foreach(void (*fn)(void *));

#endif
