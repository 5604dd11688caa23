/*
 * local: local delivery of a job (djob.h) into the recipients' Maildirs
 * (maildir.h), on a worker thread; the local counterpart of mta.h.  Each
 * recipient is resolved through the account store (aliases, catch-all)
 * and gets an outcome: done, failed (5.1.1, no such mailbox) or pending
 * (the store or the disk failed; 4.3.1 for a full disk).  A message
 * that an earlier try may have delivered (a crash, a retry) is looked
 * for in the mailbox first, so it is never delivered twice.
 */
#ifndef POSTERN_LOCAL_H
#define POSTERN_LOCAL_H

struct djob;
struct store;

/* Deliver every message of job not yet answered; st may be NULL (the
   store is unavailable: every recipient stays pending). */
void	local_run(struct djob *, struct store *st, const char *datadir);

#endif
