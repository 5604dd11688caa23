/*
 * spool_json: the spool as `postern queue` and the admin API show it.
 */
#ifndef POSTERN_SPOOL_JSON_H
#define POSTERN_SPOOL_JSON_H

#include <stddef.h>

#include "queue/spool.h"

struct json;

/* Every message of the spool, sorted (ids sort by arrival): the ID.msg
   files, and those of the spool log (spool_index).  0, or -1 with errno. */
int	 spool_list_ids(int dirfd, char ***ids, size_t *n);
void	 spool_free_ids(char **, size_t);
/* held, finishing (nothing pending), deferred (tried), active */
const char *spool_msg_state(const struct spool_msg *);
/* sent, bounced, pending */
const char *spool_rstate_name(enum spool_rstate);
/* The message with its recipients as one JSON object. */
void	 spool_json_msg(struct json *, const struct spool_msg *);

#endif
