/*
 * config: postern.conf, see config.h.
 *
 * This file reads the file; config_keys.c holds the key table, each
 * row with its parser, bounds and default (config_int.h).
 * config_line() splits a line into key and value and hands the value to
 * the row's parser; config_defaults() hands each row its default.
 *
 * Invariants:
 *  - config_load() overlays the file on *cfg, which the caller fills with
 *    config_defaults() first; keys absent from the file keep their value.
 *  - config_load() works on a copy and stores it only when the whole file
 *    parsed, so a failed load (e.g. a bad reload) leaves *cfg as it was.
 *  - Each key may appear once per file.
 *  - Lines are read into a fixed buffer of CONFIG_LINE_MAX bytes; longer
 *    lines and NUL bytes are errors, never truncated.
 *
 * Failure: every function returns 0 or -1 and writes the reason to err;
 * nothing here logs or exits.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/config_int.h"
#include "lib/log.h"
#include "lib/util.h"

#define CONFIG_LINE_MAX	4096		/* characters, without the newline */

/* State of one config_load(): seen[] holds the line that set each key. */
struct config_loader {
	size_t		 lineno;
	size_t		 seen[CONFIG_KEYS_MAX];
};

static const struct config_key *key_find(const char *, size_t *);
static int	config_line(struct config *, struct config_loader *, char *,
		    char *, size_t);
static char	*trim(char *);

/*
 * Each row's default, through its parser: the plain ones first, then
 * the computed ones, which may read a plain one (imap reads dovecot).
 * config_test passes every default through its parser, so a failure here
 * is a broken table: abort rather than run with a zero field.
 */
void
config_defaults(struct config *cfg)
{
	char	why[256];
	size_t	i;
	int	pass;

	memset(cfg, 0, sizeof(*cfg));
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < config_nkeys; i++)
			if ((config_keys[i].def == NULL) == pass &&
			    config_key_default(cfg, &config_keys[i], why,
			    sizeof(why)) == -1)
				abort();
}

int
config_load(struct config *cfg, const char *path, char *err, size_t errsz)
{
	struct config		 c = *cfg;
	struct config_loader	 ld;
	char			 line[CONFIG_LINE_MAX + 2], why[512];
	enum util_line	 st;
	FILE			*fp;

	memset(&ld, 0, sizeof(ld));
	if (snprintf(c.path, sizeof(c.path), "%s", path) >=
	    (int)sizeof(c.path)) {
		config_errf(err, errsz, "%s: %s", path, strerror(ENAMETOOLONG));
		return -1;
	}
	if ((fp = fopen(path, "re")) == NULL) {
		config_errf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((st = util_read_line(fp, line, sizeof(line))) == UTIL_LINE_OK) {
		ld.lineno++;
		if (config_line(&c, &ld, line, why, sizeof(why)) == -1)
			goto fail;
	}
	if (st == UTIL_LINE_ERROR) {
		config_errf(err, errsz, "%s: %s", path, strerror(errno));
		fclose(fp);
		return -1;
	}
	if (st != UTIL_LINE_EOF) {
		ld.lineno++;
		if (st == UTIL_LINE_NUL)
			snprintf(why, sizeof(why), "NUL byte in line");
		else
			snprintf(why, sizeof(why), "line longer than %d "
			    "characters", CONFIG_LINE_MAX);
		goto fail;
	}
	fclose(fp);
	if (config_check_admin(&c, why, sizeof(why)) == -1) {
		config_errf(err, errsz, "%s: %s", path, why);
		return -1;
	}
	*cfg = c;
	return 0;
fail:
	config_errf(err, errsz, "%s:%zu: %s", path, ld.lineno, why);
	fclose(fp);
	return -1;
}

/* One line: a comment, a blank line or "key = value". */
static int
config_line(struct config *c, struct config_loader *ld, char *line,
    char *why, size_t whysz)
{
	const struct config_key	*k;
	char			*eq, *key, *value, shown[CONFIG_SHOW_MAX];
	char			 reason[256];
	size_t			 i;

	key = trim(line);
	if (*key == '\0' || *key == '#')
		return 0;
	if ((eq = strchr(key, '=')) == NULL) {
		config_errf(why, whysz,
		    "missing '=' in '%s' (expected key = value)",
		    config_show(shown, sizeof(shown), key));
		return -1;
	}
	*eq = '\0';
	key = trim(key);
	value = trim(eq + 1);
	if (*key == '\0') {
		config_errf(why, whysz, "missing key before '='");
		return -1;
	}
	if ((k = key_find(key, &i)) == NULL) {
		config_errf(why, whysz, "unknown key '%s'",
		    config_show(shown, sizeof(shown), key));
		return -1;
	}
	if (ld->seen[i]) {
		config_errf(why, whysz,
		    "duplicate key '%s' (first set on line %zu)",
		    k->name, ld->seen[i]);
		return -1;
	}
	ld->seen[i] = ld->lineno;
	if (k->parse(c, k, value, reason, sizeof(reason)) == -1) {
		config_errf(why, whysz, "%s: %s", k->name, reason);
		return -1;
	}
	return 0;
}

static const struct config_key *
key_find(const char *name, size_t *idx)
{
	size_t	i;

	for (i = 0; i < config_nkeys; i++) {
		if (strcmp(name, config_keys[i].name) == 0) {
			*idx = i;
			return &config_keys[i];
		}
	}
	return NULL;
}

/* Strip blanks (and a CR from CRLF files) at both ends, in place. */
static char *
trim(char *s)
{
	size_t	len;

	s += strspn(s, " \t\r\f\v");
	len = strlen(s);
	while (len > 0 && strchr(" \t\r\f\v", s[len - 1]) != NULL)
		len--;
	s[len] = '\0';
	return s;
}

const char *
config_show(char *dst, size_t dstsz, const char *s)
{
	return log_printable(dst, dstsz, s, strlen(s));
}

void
config_errf(char *err, size_t errsz, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

int
config_text_load(struct config_text *t, const char *path)
{
	char		 line[CONFIG_LINE_MAX + 2], *key, *eq;
	size_t		 i;
	FILE		*fp;

	memset(t, 0, sizeof(*t));
	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	while (util_read_line(fp, line, sizeof(line)) == UTIL_LINE_OK) {
		key = trim(line);
		if (*key == '#' || (eq = strchr(key, '=')) == NULL)
			continue;
		*eq = '\0';
		if (key_find(trim(key), &i) == NULL || t->val[i] != NULL)
			continue;
		if ((t->val[i] = strdup(trim(eq + 1))) == NULL) {
			fclose(fp);
			config_text_free(t);
			return -1;
		}
	}
	fclose(fp);
	return 0;
}

void
config_text_free(struct config_text *t)
{
	size_t	i;

	for (i = 0; i < CONFIG_KEYS_MAX; i++)
		free(t->val[i]);
	memset(t, 0, sizeof(*t));
}

const char *
config_text_diff(const struct config_text *a, const struct config_text *b,
    size_t *i)
{
	const char	*x, *y;

	for (; *i < config_nkeys; (*i)++) {
		x = a->val[*i] != NULL ? a->val[*i] : "";
		y = b->val[*i] != NULL ? b->val[*i] : "";
		/* absent and empty differ: absent is the default */
		if (strcmp(x, y) != 0 || (a->val[*i] == NULL) !=
		    (b->val[*i] == NULL))
			return config_keys[(*i)++].name;
	}
	return NULL;
}

int
config_reload_value(const struct config *c, size_t key, uint32_t *v)
{
	if (key >= config_nkeys || !(config_keys[key].flags & CONFIG_RELOAD))
		return -1;
	*v = *(const unsigned *)(const void *)((const char *)c +
	    config_keys[key].off);
	return 0;
}

int
config_reload_set(struct config *c, size_t key, uint32_t v)
{
	if (key >= config_nkeys || !(config_keys[key].flags & CONFIG_RELOAD))
		return -1;
	*(unsigned *)(void *)((char *)c + config_keys[key].off) = v;
	return 0;
}
