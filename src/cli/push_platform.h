/*
 * push_platform: the sending platforms `postern push` creates accounts
 * on, one row each: where the API is, where the key goes, which JSON
 * field takes which of postern's values, how an existing account is
 * found, replaced or updated, how warm-up is switched on, and where in
 * the answers success, the platform's own SMTP/IMAP test and its error
 * words are.  Adding a platform with a JSON API of this shape is a row
 * (docs/PLATFORMS.md says what each row rests on).
 *
 * Requests are built here, performed by push.c; nothing here touches the
 * network.  The key never enters a built URL or header: they carry
 * PUSH_KEY_MARK, which push.c replaces with the key just before sending
 * and with "****" when showing a request (--dry-run).
 */
#ifndef POSTERN_PUSH_PLATFORM_H
#define POSTERN_PUSH_PLATFORM_H

#include <stddef.h>

#include <jansson.h>

#include "core/provision_fmt.h"
#include "lib/buf.h"

#define PUSH_KEY_MARK		"\x01KEY\x01"
#define PUSH_SECRET_MASK	"********"
#define PUSH_FIELDS_MAX		24
#define PUSH_TEXT_MAX		512

/* How a JSON field's value is written. */
enum push_type {
	PT_STR,			/* the value's text */
	PT_NUM,			/* the value's text as a JSON number */
	PT_NUM_STR,		/* a number written as a JSON string */
	PT_BOOL,		/* TRUE (warm-up on) -> true, else false */
	PT_CONST_NUM,		/* cnum */
	PT_CONST_STR,		/* cstr */
};

/* Field flags. */
#define PF_OMIT_EMPTY	0x1	/* leave the field out when empty or 0 */
#define PF_SECRET	0x2	/* masked when a request is shown */

struct push_field {
	const char		*key;	/* "warmup.limit": a member of an
					   object member (one level) */
	enum provision_val	 val;
	enum push_type		 type;
	unsigned		 flags;
	long			 cnum;
	const char		*cstr;
};

enum push_key_place {
	PUSH_KEY_BEARER,	/* Authorization: Bearer KEY */
	PUSH_KEY_QUERY,		/* ?key_name=KEY */
	PUSH_KEY_HEADER,	/* key_name: KEY */
};

enum push_exists {
	PUSH_EXISTS_GET,	/* GET exists_path: 200 yes, 404 no */
	PUSH_EXISTS_LIST,	/* GET exists_path pages of list_page */
};

struct push_platform {
	const char		*name;		/* on the command line */
	const char		*title;		/* in messages */
	const char		*base_url;
	enum push_key_place	 key_place;
	const char		*key_name;
	/* creating: one account per call */
	const char		*create_path;
	const struct push_field	*fields;
	size_t			 nfields;
	/* finding existing accounts */
	enum push_exists	 exists;
	const char		*exists_path;	/* {email} is replaced */
	const char		*list_email_key;	/* LIST */
	const char		*list_id_key;
	size_t			 list_page;
	/* an existing account: delete and create, or update by id */
	const char		*delete_path;	/* NULL: cannot */
	const char		*update_id_key;	/* NULL: cannot */
	/* warm-up switched on by a later call, for a list of addresses */
	const char		*warmup_path;	/* NULL: a create field */
	const char		*warmup_list_key;
	size_t			 warmup_batch;
	/* reading answers; keys may be "a.b" paths */
	const char		*ok_key;	/* must be true; NULL: any 2xx */
	const char		*id_key;
	const char		*smtp_ok_key;	/* false: the platform's SMTP
						   test failed */
	const char		*imap_ok_key;
	const char		*status_key;	/* < 0: a connection error */
	const char		*status_text_key;
	const char		*error_keys[3];	/* joined into one message */
	/* option bounds the platform documents */
	unsigned		 warmup_limit_max;
	unsigned		 increment_min;
	unsigned		 increment_max;
};

/* The platform called name (case-insensitive), or NULL. */
const struct push_platform *push_platform_find(const char *name);
/* The i-th platform, or NULL past the last. */
const struct push_platform *push_platform_at(size_t i);

/*
 * base + path with {email} replaced (percent-encoded) and, for
 * PUSH_KEY_QUERY, the key parameter (PUSH_KEY_MARK) added, plus query
 * ("a=1&b=2" or NULL).  0 or -1 (too long).
 */
int	push_url(const struct push_platform *, const char *base,
	    const char *path, const char *email, const char *query,
	    struct buf *out);

/* Append s percent-encoded but for RFC 3986 unreserved and '@'.  0/-1. */
int	push_encode(struct buf *, const char *s);

/* The key header line for p ("Authorization: Bearer " PUSH_KEY_MARK),
   or NULL when the key travels in the query. */
const char *push_key_header(const struct push_platform *, char *, size_t);

/*
 * The create body for account a: every field of p's table in order,
 * secrets masked when mask; id >= 0 adds the update_id_key member (an
 * update).  0 or -1.
 */
int	push_body(const struct push_platform *, const struct provision_account *,
	    long long id, int mask, struct buf *out);

/* {"<warmup_list_key>":[emails...]}.  0 or -1. */
int	push_warmup_body(const struct push_platform *,
	    const char *const *emails, size_t n, struct buf *out);

/* The value at a dotted path of a JSON object, or NULL. */
json_t	*push_json_path(json_t *, const char *path);

/*
 * The platform's words in an error body: the error_keys' string values
 * joined by ": " (for example "Bad Request: body must have required
 * property 'email'"), or the start of the body if none is there.
 */
void	push_error_text(const struct push_platform *, const char *body,
	    char *out, size_t outsz);

#endif
