/* Placeholder with the agreed API; replaced by the dsn branch. */
#ifndef POSTERN_DSN_H
#define POSTERN_DSN_H
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
enum dsn_action { DSN_FAILED, DSN_DELAYED, DSN_DELIVERED, DSN_RELAYED,
	DSN_EXPANDED };
struct dsn_rcpt {
	const char	*rcpt;
	const char	*orcpt;
	enum dsn_action	 action;
	const char	*status;
	const char	*remote_mta;
	const char	*diagnostic;
	int64_t		 last_attempt;
	int64_t		 will_retry_until;
};
struct dsn_info {
	const char	*reporting_mta;
	const char	*queue_id;
	const char	*envid;
	const char	*original_sender;
	int64_t		 arrival;
	int		 ret_full;
	const char	*original;
	size_t		 original_len;
	size_t		 max_original;
};
int	dsn_build(const struct dsn_info *, const struct dsn_rcpt *, size_t n,
	    int64_t now, struct buf *out);
int	dsn_xtext_valid(const char *s, size_t n);
int	dsn_xtext_decode(const char *s, size_t n, char *out, size_t outsz);
int	dsn_xtext_encode(const char *s, char *out, size_t outsz);
#endif
