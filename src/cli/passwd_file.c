/*
 * passwd_file: see passwd_file.h.
 *
 * Line syntax, stricter than Dovecot's where Dovecot would silently do
 * something surprising:
 *  - A trailing CR (CRLF files) is dropped.  A line that is empty or all
 *    blanks (space, tab) is skipped, and so is one whose first non-blank
 *    character is '#'.
 *  - user is everything before the first ':'; it must be non-empty,
 *    hold no space or control character, and be a local part or
 *    local@domain with both halves non-empty and one '@' at most.
 *  - password is everything up to the second ':' or the end of the line;
 *    it must be non-empty and hold no space or control character.  A
 *    leading '{' must close a scheme name of letters, digits, '-', '_'
 *    or '.' and be followed by the hash itself.  The remaining fields
 *    are ignored, however many there are.
 *
 * Invariants: copies into user and hash are bounded and never truncate
 * (too long is an error); on anything but an entry both are left empty.
 * Error text names fields and limits but never quotes the password
 * field, so it can be logged.  The line buffer in passwd_file_read() is
 * wiped before return because it held hashes.
 *
 * Failure: -1 with a reason in err; nothing here logs or exits.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/passwd_file.h"
#include "lib/util.h"

#define BLANKS		" \t"
#define SCHEME_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789-_."

static int	field_ok(const char *, size_t);
static int	user_ok(const char *, size_t);
static int	scheme_ok(const char *, size_t);
static int	copy_field(char *, size_t, const char *, size_t);
static void	errf(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

int
passwd_file_parse_line(const char *line, char *user, size_t usersz,
    char *hash, size_t hashsz, char *err, size_t errsz)
{
	const char	*pw, *end;
	size_t		 len, ulen, plen;

	if (usersz > 0)
		user[0] = '\0';
	if (hashsz > 0)
		hash[0] = '\0';
	len = strlen(line);
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (strspn(line, BLANKS) >= len || line[strspn(line, BLANKS)] == '#')
		return 0;
	if ((pw = memchr(line, ':', len)) == NULL) {
		errf(err, errsz, "no ':' after the user name");
		return -1;
	}
	ulen = (size_t)(pw - line);
	pw++;
	if ((end = memchr(pw, ':', len - ulen - 1)) == NULL)
		end = line + len;
	plen = (size_t)(end - pw);
	if (ulen == 0) {
		errf(err, errsz, "empty user name");
		return -1;
	}
	if (!field_ok(line, ulen)) {
		errf(err, errsz, "user name holds a space or control "
		    "character");
		return -1;
	}
	if (!user_ok(line, ulen)) {
		errf(err, errsz, "user name is neither a local part nor an "
		    "address");
		return -1;
	}
	if (plen == 0) {
		errf(err, errsz, "empty password field");
		return -1;
	}
	if (!field_ok(pw, plen)) {
		errf(err, errsz, "password field holds a space or control "
		    "character");
		return -1;
	}
	if (!scheme_ok(pw, plen)) {
		errf(err, errsz, "password field has a malformed {SCHEME} "
		    "prefix or nothing after it");
		return -1;
	}
	if (copy_field(user, usersz, line, ulen) == -1) {
		errf(err, errsz, "user name longer than %zu bytes",
		    usersz > 0 ? usersz - 1 : 0);
		return -1;
	}
	if (copy_field(hash, hashsz, pw, plen) == -1) {
		user[0] = '\0';
		errf(err, errsz, "password field longer than %zu bytes",
		    hashsz > 0 ? hashsz - 1 : 0);
		return -1;
	}
	return 1;
}

int
passwd_file_read(const char *path,
    int (*cb)(const char *, const char *, int, void *), void *arg,
    char *err, size_t errsz)
{
	char			 line[PASSWD_FILE_LINE_MAX + 2];
	char			 user[PASSWD_FILE_LINE_MAX + 1];
	char			 hash[PASSWD_FILE_LINE_MAX + 1], why[256];
	enum util_line	 st;
	FILE			*fp;
	int			 lineno = 0, rc = -1;

	if ((fp = fopen(path, "re")) == NULL) {
		errf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((st = util_read_line(fp, line, sizeof(line))) == UTIL_LINE_OK) {
		lineno++;
		switch (passwd_file_parse_line(line, user, sizeof(user), hash,
		    sizeof(hash), why, sizeof(why))) {
		case -1:
			goto bad;
		case 0:
			continue;
		}
		if (cb(user, hash, lineno, arg) == -1) {
			snprintf(why, sizeof(why), "entry refused");
			goto bad;
		}
	}
	if (st == UTIL_LINE_ERROR) {
		errf(err, errsz, "%s: %s", path, strerror(errno));
		goto done;
	}
	if (st == UTIL_LINE_EOF) {
		rc = 0;
		goto done;
	}
	lineno++;
	if (st == UTIL_LINE_NUL)
		snprintf(why, sizeof(why), "NUL byte in line");
	else
		snprintf(why, sizeof(why), "line longer than %d bytes",
		    PASSWD_FILE_LINE_MAX);
bad:
	errf(err, errsz, "%s:%d: %s", path, lineno, why);
done:
	fclose(fp);
	explicit_bzero(line, sizeof(line));
	explicit_bzero(hash, sizeof(hash));
	return rc;
}

/* No space and no control character (C0 or DEL). */
static int
field_ok(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return 0;
	return 1;
}

/* "local" or "local@domain": at most one '@', both halves non-empty. */
static int
user_ok(const char *s, size_t n)
{
	const char	*at;

	if ((at = memchr(s, '@', n)) == NULL)
		return 1;
	if (at == s || at == s + n - 1)
		return 0;
	return memchr(at + 1, '@', n - (size_t)(at - s) - 1) == NULL;
}

/* No prefix, or "{NAME}" followed by at least one character. */
static int
scheme_ok(const char *s, size_t n)
{
	size_t	k;

	if (s[0] != '{')
		return 1;
	for (k = 1; k < n && s[k] != '}'; k++)
		if (strchr(SCHEME_CHARS, s[k]) == NULL)
			return 0;
	return k > 1 && k + 1 < n;
}

static int
copy_field(char *dst, size_t dstsz, const char *src, size_t n)
{
	if (n >= dstsz)
		return -1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

static void
errf(char *err, size_t errsz, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}
