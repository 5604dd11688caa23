/*
 * mailcheck: the auth process's memory of what MAIL FROM asks the store.
 *
 * Every MAIL FROM of a logged-in session asks whether its mailbox or
 * its domain is paused and whether the sender's domain has suppressed
 * addresses (store_health_status_any; "none" lets RCPT skip its
 * lookups).  On PostgreSQL that was one statement a message, half of
 * what a message cost the database.  The answer rarely changes, so it
 * is kept here, and forgotten as soon as any node changes it: the store
 * sends a change notice with every pause, resume, suppressed address
 * and mailbox removal, in the change's own transaction (store.h,
 * store_listen), and a thread of this process listens on a handle of
 * its own.  Any notice forgets everything kept: notices are rare (a
 * hard bounce, a pause), and one rule is easier to trust than a finer
 * one.
 *
 * Only "not paused, and the domain not paused" is kept, with the
 * suppression answer: a pause is asked every time (its end by itself
 * is noticed and logged at the first MAIL after it).  A kept answer is
 * used only while the listener listens, only if no notice came since
 * its question was asked (a generation number: a notice that arrives
 * while a question is on its way makes that answer stale before it is
 * kept), and for MAILCHECK_TTL_MS at most, the bound for a change made
 * around postern (SQL by hand).  Without notices (SQLite, or the
 * listener's connection lost) nothing is used: every MAIL asks.
 *
 * So a change made on any node holds at the next MAIL after its notice
 * reaches this node: its commit, then one trip from the database.
 * Thread-safe; bounded (MAILCHECK_SLOTS answers, a newer one replaces
 * an older one in its slot).
 */
#ifndef POSTERN_MAILCHECK_H
#define POSTERN_MAILCHECK_H

#include <stdint.h>

#define MAILCHECK_SLOTS		1024
#define MAILCHECK_TTL_MS	60000

/* The listener, with its own store handle on datadir.  0 or -1. */
int		 mailcheck_start(const char *datadir);
void		 mailcheck_stop(void);
/* The generation to keep an answer under, read before asking; 0 when
   nothing may be kept. */
uint64_t	 mailcheck_gen(void);
/* 1 with *any when an answer for (user, domain) is kept and current. */
int		 mailcheck_get(const char *user, const char *domain,
		    uint32_t *any);
/* Keep an answer asked under gen (nothing if gen is 0 or stale). */
void		 mailcheck_put(uint64_t gen, const char *user,
		    const char *domain, uint32_t any);

#endif
