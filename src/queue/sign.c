/*
 * sign: see sign.h.  The content is mapped read-only for the signers,
 * who need it whole (the body hash, then the header fields).
 */

#include <stdint.h>
#include <string.h>

#include "lib/log.h"
#include "queue/dkim.h"
#include "queue/sign.h"
#include "queue/spool.h"
#include "store/store.h"

struct sign_ctx {
	const char	*msg;
	size_t		 len;
	int64_t		 now;
	struct buf	*out;
	const char	*id;
};

static int	sign_one(const struct store_dkim_key *, void *);

/* One key of the domain (store_dkim_active callback): always goes on. */
static int
sign_one(const struct store_dkim_key *k, void *arg)
{
	struct sign_ctx		*c = arg;
	struct dkim_signer	*s;
	char			 err[256];

	s = dkim_signer_new(k->domain, k->selector, k->algorithm,
	    k->private_key, err, sizeof(err));
	if (s == NULL || dkim_sign(s, c->msg, c->len, c->now, c->out, err,
	    sizeof(err)) == -1)
		log_warnx("deliver: %s: DKIM %s (%s): %s", c->id, k->domain,
		    k->selector, err);
	if (s != NULL)
		dkim_signer_free(s);
	return 0;
}

int
sign_message(struct store *st, const char *id, const char *sender, int fd,
    uint64_t content_off, uint64_t content_len, int64_t now, struct buf *out)
{
	const char	*at = strrchr(sender, '@');
	struct spool_map map;
	struct sign_ctx	 c;
	int		 rc;

	if (at == NULL || content_len == 0)
		return -1;
	if (st == NULL)
		return -2;	/* the store could not be opened */
	if (spool_map(fd, content_off, content_len, &map) == -1)
		return -1;
	c.msg = map.p;
	c.len = content_len;
	c.now = now;
	c.out = out;
	c.id = id;
	rc = store_dkim_active(st, at + 1, sign_one, &c);
	if (rc != STORE_OK)
		log_warnx("deliver: %s: DKIM keys: %s", id, store_errmsg(st));
	spool_unmap(&map);
	return rc == STORE_ERR ? -2 : 0;
}
