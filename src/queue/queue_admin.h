/*
 * queue_admin: the thread of the queue process that answers the admin
 * API's queue operations (queue_admin.c).
 */
#ifndef POSTERN_QUEUE_ADMIN_H
#define POSTERN_QUEUE_ADMIN_H

/* Serve the admin process's socket (-1: none) over the spool at dirfd.
   0 or -1. */
int	queue_admin_start(int sock, int dirfd);
void	queue_admin_stop(void);

#endif
