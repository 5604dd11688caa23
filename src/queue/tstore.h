/*
 * tstore: the queue process's store handle for the calling thread.
 * SQLite handles are not shared between threads here: each delivery
 * thread (workers, keeper) opens its own on first use and closes it as
 * it ends.  NULL (logged) when the store cannot be opened; callers skip
 * what needed it.
 */
#ifndef POSTERN_TSTORE_H
#define POSTERN_TSTORE_H

struct store;

/* The data directory whose store the threads open; once, at start. */
void	tstore_init(const char *datadir);
struct store *tstore_get(void);
/* Close this thread's handle, if it has one. */
void	tstore_close(void);

#endif
