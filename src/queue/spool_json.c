/*
 * spool_json: what `postern queue` and the admin API show of the spool
 * (spool_json.h): the message ids in arrival order, a message's state,
 * and its JSON.  Both read the same files and print the same fields.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/json.h"
#include "queue/envelope.h"
#include "queue/spool.h"
#include "queue/spool_json.h"

static int	 cmp_str(const void *, const void *);
static void	 spool_json_rcpts(struct json *, const struct spool_msg *);

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
spool_list_ids(int dirfd, char ***out, size_t *n)
{
	struct dirent	*de;
	char		 id[ENVELOPE_ID_MAX + 1], **v = NULL, **nv;
	size_t		 cap = 0;
	DIR		*d;
	int		 fd;

	*n = 0;
	if ((fd = dup(dirfd)) == -1 || (d = fdopendir(fd)) == NULL)
		return -1;
	rewinddir(d);	/* the descriptor's offset is shared with dirfd */
	while ((de = readdir(d)) != NULL) {
		if (!spool_msg_name(de->d_name, id, sizeof(id)))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				break;
			v = nv;
		}
		if ((v[*n] = strdup(id)) == NULL)
			break;
		(*n)++;
	}
	closedir(d);
	if (spool_index_ids(&v, n) == -1) {
		spool_free_ids(v, *n);
		*n = 0;
		errno = ENOMEM;
		return -1;
	}
	if (*n > 0)
		qsort(v, *n, sizeof(*v), cmp_str);
	*out = v;
	return 0;
}

void
spool_free_ids(char **v, size_t n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

const char *
spool_msg_state(const struct spool_msg *m)
{
	size_t	i, pending = 0, tried = 0;

	if (m->hold)
		return "held";
	for (i = 0; i < m->env.nrcpt; i++)
		if (m->rs[i].state == SPOOL_R_PENDING) {
			pending++;
			tried += m->rs[i].attempts > 0;
		}
	if (pending == 0)
		return "finishing";
	return tried ? "deferred" : "active";
}

const char *
spool_rstate_name(enum spool_rstate s)
{
	return s == SPOOL_R_DONE ? "sent" : s == SPOOL_R_FAILED ? "bounced" :
	    "pending";
}

static void
spool_json_rcpts(struct json *j, const struct spool_msg *m)
{
	size_t	i;

	json_key(j, "recipients");
	json_arr_begin(j);
	for (i = 0; i < m->env.nrcpt; i++) {
		const struct spool_rcpt *r = &m->rs[i];

		json_obj_begin(j);
		json_kstr(j, "address", m->env.rcpt[i].addr);
		json_kstr(j, "state", spool_rstate_name(r->state));
		json_kint(j, "attempts", r->attempts);
		json_kint(j, "next_attempt", r->next);
		json_kint(j, "last_attempt", r->last);
		json_kstr(j, "status", r->status);
		json_kstr(j, "relay", r->mta);
		json_kstr(j, "reply", r->reply);
		json_obj_end(j);
	}
	json_arr_end(j);
}

void
spool_json_msg(struct json *j, const struct spool_msg *m)
{
	json_obj_begin(j);
	json_kstr(j, "id", m->env.id);
	json_kint(j, "arrival", (int64_t)m->env.created);
	json_kint(j, "size", (int64_t)m->content_len);
	json_kstr(j, "sender", m->env.sender);
	json_kstr(j, "state", spool_msg_state(m));
	json_kbool(j, "held", m->hold);
	json_kstr(j, "auth_user", m->env.auth_user);
	json_kstr(j, "client", m->env.client);
	json_kstr(j, "listener", m->env.listener);
	json_kstr(j, "envid", m->env.envid);
	spool_json_rcpts(j, m);
	json_obj_end(j);
}

