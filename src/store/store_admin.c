/*
 * store_admin: the web console's administrators (store.h; schema step 11
 * in store_schema.c).  A row holds the name, the argon2id hash of the
 * password (core/password.h) and, when the administrator has one, the
 * base32 TOTP secret (core/totp.h); never a password.  Rows are made by
 * `postern admin add` and checked by the auth process when the console
 * logs in (server/api_session.c).
 *
 * Failure: STORE_ERR from the backend; a name or field that does not fit
 * is STORE_INVALID, never truncated.
 */
#include <stdio.h>
#include <string.h>

#include "lib/util.h"
#include "store/store.h"
#include "store/store_int.h"

#define ADMIN_COLS	"name, hash, totp, created, last_login"
#define NAME_CHARS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
			"0123456789-_.@"

static int	row_admin(const struct store_val *, size_t, void *);

static int
row_admin(const struct store_val *v, size_t n, void *arg)
{
	struct row_ctx		*c = arg;
	struct store_admin	 a;
	int			 r;

	memset(&a, 0, sizeof(a));
	if (n < 5 || store_col_str(&v[0], a.name, sizeof(a.name)) == -1 ||
	    store_col_str(&v[1], a.hash, sizeof(a.hash)) == -1 ||
	    store_col_str(&v[2], a.totp, sizeof(a.totp)) == -1) {
		c->rc = STORE_ERR;
		return 1;
	}
	a.created = v[3].i;
	a.last_login = v[4].i;
	c->found = 1;
	if (c->arg == NULL) {
		memcpy(c->out, &a, sizeof(a));
		explicit_bzero(&a, sizeof(a));
		return 1;
	}
	r = ((store_admin_cb)c->out)(&a, c->arg);
	explicit_bzero(&a, sizeof(a));
	return r;
}

int
store_admin_add(struct store *st, const struct store_admin *a)
{
	size_t	len = strlen(a->name);

	if (len == 0 || len > STORE_ADMIN_NAME_MAX ||
	    a->name[strspn(a->name, NAME_CHARS)] != '\0') {
		snprintf(st->err, sizeof(st->err), "a name is 1 to %d "
		    "letters, digits, '-', '_', '.' or '@'",
		    STORE_ADMIN_NAME_MAX);
		return STORE_INVALID;
	}
	if (strlen(a->hash) > STORE_HASH_MAX ||
	    strlen(a->totp) > STORE_ADMIN_TOTP_MAX)
		return STORE_INVALID;
	return store_sq(st, NULL, NULL, NULL, "INSERT INTO admin_user("
	    ADMIN_COLS ") VALUES (?, ?, ?, ?, 0)", "sssi", a->name, a->hash,
	    a->totp, a->created);
}

int
store_admin_get(struct store *st, const char *name, struct store_admin *out)
{
	struct row_ctx	c = { out, NULL, 0, STORE_OK };
	int		rc;

	if (strlen(name) > STORE_ADMIN_NAME_MAX)
		return STORE_NOTFOUND;
	rc = store_sq(st, row_admin, &c, NULL, "SELECT " ADMIN_COLS
	    " FROM admin_user WHERE name = ?", "s", name);
	if (rc != STORE_OK || c.rc != STORE_OK)
		return STORE_ERR;
	return c.found ? STORE_OK : STORE_NOTFOUND;
}

int
store_admin_list(struct store *st, store_admin_cb cb, void *arg)
{
	static char	dummy;
	struct row_ctx	c = { (void *)cb, arg != NULL ? arg : &dummy, 0,
			    STORE_OK };
	int		rc;

	rc = store_sq(st, row_admin, &c, NULL, "SELECT " ADMIN_COLS
	    " FROM admin_user ORDER BY name", "");
	return rc != STORE_OK ? rc : c.rc;
}

int
store_admin_remove(struct store *st, const char *name)
{
	int64_t	n = 0;
	int	rc;

	rc = store_sq(st, NULL, NULL, &n, "DELETE FROM admin_user WHERE "
	    "name = ?", "s", name);
	if (rc == STORE_OK && n == 0) {
		snprintf(st->err, sizeof(st->err), "no administrator named %s",
		    name);
		return STORE_NOTFOUND;
	}
	return rc;
}

int
store_admin_logged_in(struct store *st, const char *name, int64_t now)
{
	return store_sq(st, NULL, NULL, NULL, "UPDATE admin_user SET "
	    "last_login = ? WHERE name = ?", "is", now, name);
}
