/*
 * queue: the queue process (queue.c).  It makes messages durable for the
 * smtp process (proc.h: queue_main) and takes new messages from inside
 * the process too: bounces and delay notices the delivery side makes.
 */
#ifndef POSTERN_QUEUE_H
#define POSTERN_QUEUE_H

#include <stddef.h>

struct envelope;

/* Write a new message (a bounce) durably and hand it to delivery.  0 or
   -1. */
int	queue_inject(struct envelope *, const char *content, size_t len);

#endif
