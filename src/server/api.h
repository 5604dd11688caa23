/*
 * api: the operations of the admin API that need the store, run in the
 * auth process (which owns it) for the admin process (which holds no
 * store).  The admin process does HTTP, routing and the token check's
 * bookkeeping; it sends each operation over IPC (IPC_ADM_REQ, see
 * auth_admin.c) and relays the JSON answer as it comes (IPC_ADM_RES).
 *
 * Authorisation is decided twice, on purpose: the admin process refuses
 * a token without the route's scope before asking; here each operation
 * checks the token's domain restriction against the domain of what it
 * touches, because only the store knows that domain.  Every operation
 * that changes something writes one audit row in the same call.
 *
 * Results are HTTP statuses; the body is JSON (a problem document for
 * errors: type, title, status, detail, fix).
 */
#ifndef POSTERN_API_H
#define POSTERN_API_H

#include <stddef.h>
#include <stdint.h>

#include "core/token.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "store/store.h"

#define API_ARG_MAX	320
#define API_QUERY_MAX	1024
#define API_BODY_MAX	12000	/* what one IPC message carries */

struct config;

struct api_call {
	char		 op[32];
	char		 token[TOKEN_TEXT_LEN + 1];	/* token.check only */
	char		 actor[STORE_TOKEN_NAME_MAX + 16];
	char		 client[64];
	uint32_t	 scopes;		/* TS_* of the token */
	char		 domain[STORE_ADDR_MAX + 1];	/* its restriction */
	char		 arg[API_ARG_MAX + 1];	/* the path's {parameter} */
	char		 query[API_QUERY_MAX + 1];
	char		 body[API_BODY_MAX + 1];
	int64_t		 now;
	int64_t		 familiar_since;	/* auth_familiar_days ago */
};

/* Run one operation; the answer's JSON goes to out.  An HTTP status. */
int	 api_run(struct store *, const struct config *,
	    const struct api_call *, struct buf *out);

/* Shared by the operations (api.c). */
int	 api_problem(struct buf *, int status, const char *detail,
	    const char *fix);
/* 1 if the call's token may act on this domain (its restriction). */
int	 api_domain_ok(const struct api_call *, const char *domain);
void	 api_audit(struct store *, const struct api_call *,
	    const char *action, const char *target, const char *detail);
/* A query parameter, decoded ("" when absent).  0, or -1 if bad. */
int	 api_query_str(const struct api_call *, const char *key, char *out,
	    size_t outsz);
/* An integer query parameter within [min, max], or def. -1 if bad. */
int	 api_query_int(const struct api_call *, const char *key, int64_t min,
	    int64_t max, int64_t def, int64_t *out);

/* The operations, one file per resource. */
int	 api_token_check(struct store *, const struct api_call *,
	    struct buf *);
int	 api_mailboxes_list(struct store *, const struct api_call *,
	    struct buf *);
int	 api_mailbox_get(struct store *, const struct api_call *,
	    struct buf *);
int	 api_mailbox_unlock(struct store *, const struct api_call *,
	    struct buf *);
int	 api_mailbox_password(struct store *, const struct api_call *,
	    struct buf *);
int	 api_mailbox_lock(struct store *, const struct api_call *,
	    struct buf *);
int	 api_domains_list(struct store *, const struct api_call *,
	    struct buf *);
int	 api_suppress_list(struct store *, const struct api_call *,
	    struct buf *);
int	 api_suppress_add(struct store *, const struct api_call *,
	    struct buf *);
int	 api_suppress_remove(struct store *, const struct api_call *,
	    struct buf *);
int	 api_audit_list(struct store *, const struct api_call *,
	    struct buf *);

#endif
