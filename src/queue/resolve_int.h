/*
 * resolve_int: what resolve.c shares with resolve_rr.c: the resolver
 * (one c-ares channel and its count of unanswered queries) and the loop
 * that drives it until every query has called back.
 */
#ifndef POSTERN_RESOLVE_INT_H
#define POSTERN_RESOLVE_INT_H

#include <ares.h>

struct resolver {
	ares_channel	chan;
	int		pending;	/* queries not yet called back */
};

/* Run the channel until every query has called back.  0 or -1. */
int	resolve_drive(struct resolver *);

#endif
