/*
 * batch: see batch.h.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/batch.h"

size_t
batch_add(struct batch *b, const void *rec)
{
	void	*nv;
	size_t	 n = 0;

	pthread_mutex_lock(&b->lock);
	if (b->n == b->cap && (nv = reallocarray(b->v, b->cap ? b->cap * 2 :
	    64, b->size)) != NULL) {
		b->v = nv;
		b->cap = b->cap ? b->cap * 2 : 64;
	}
	if (b->n < b->cap) {
		memcpy((char *)b->v + b->n * b->size, rec, b->size);
		n = ++b->n;
	}
	pthread_mutex_unlock(&b->lock);
	return n;
}

void *
batch_take(struct batch *b, size_t *n)
{
	void	*v;

	pthread_mutex_lock(&b->lock);
	v = b->v;
	*n = b->n;
	b->v = NULL;
	b->n = b->cap = 0;
	pthread_mutex_unlock(&b->lock);
	return v;
}
