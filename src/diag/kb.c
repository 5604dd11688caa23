/*
 * kb: the knowledge base of SMTP replies (kb.h).  The text format is
 * described at the top of kb/replies.kb; the build embeds that file as
 * kb_data[] (scripts/embed.sh).
 *
 * Invariants: a loaded set has unique keys; every entry has a title, a
 * meaning, a side, 1..KB_LIST_MAX causes, fixes and sources; basic keys
 * are 200..599; enhanced keys are "c.s.d" or "X.s.d" per RFC 3463 §2;
 * provider entries have a provider name and at least one pattern.  All
 * strings of a set live in one string pool, so a set is freed at once.
 *
 * Failure: a text that breaks a rule is refused as a whole with
 * "replies.kb:LINE: reason" and the previous set stays loaded; out of
 * memory is reported the same way.  kb_lookup() loads the embedded set
 * on first use and finds nothing if it does not parse (the unit test
 * guarantees that it does).
 */
#include <ctype.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reply.h"
#include "diag/kb.h"
#include "lib/buf.h"
#include "lib/util.h"

extern const char	kb_data[];	/* generated: kb_data.c */
extern const size_t	kb_data_len;

#define KB_FILE		"replies.kb"
#define KB_VALUE_MAX	4096	/* one field value, continuations joined */
#define KB_CHUNK	16384	/* string pool allocation unit */

enum kb_field {
	KB_F_KEY,
	KB_F_TITLE,
	KB_F_MEANING,
	KB_F_SIDE,
	KB_F_CAUSE,
	KB_F_FIX,
	KB_F_SOURCE,
	KB_F_PROVIDER,
	KB_F_CODE,
	KB_F_ENHANCED,
	KB_F_PATTERN,
	KB_F_COUNT,
	KB_F_NONE = KB_F_COUNT
};

#define KB_FL_LIST	0x01	/* may repeat, up to KB_LIST_MAX */
#define KB_FL_REQUIRED	0x02	/* in every record */
#define KB_FL_PROVIDER	0x04	/* provider records only */
#define KB_FL_PREQUIRED	0x08	/* required in provider records */

static const struct {
	const char	*name;
	int		 flags;
} kb_fields[KB_F_COUNT] = {
	[KB_F_KEY] =		{ "key", KB_FL_REQUIRED },
	[KB_F_TITLE] =		{ "title", KB_FL_REQUIRED },
	[KB_F_MEANING] =	{ "meaning", KB_FL_REQUIRED },
	[KB_F_SIDE] =		{ "side", KB_FL_REQUIRED },
	[KB_F_CAUSE] =		{ "cause", KB_FL_REQUIRED | KB_FL_LIST },
	[KB_F_FIX] =		{ "fix", KB_FL_REQUIRED | KB_FL_LIST },
	[KB_F_SOURCE] =		{ "source", KB_FL_REQUIRED | KB_FL_LIST },
	[KB_F_PROVIDER] =	{ "provider", KB_FL_PROVIDER |
				    KB_FL_PREQUIRED },
	[KB_F_CODE] =		{ "code", KB_FL_PROVIDER },
	[KB_F_ENHANCED] =	{ "enhanced", KB_FL_PROVIDER },
	[KB_F_PATTERN] =	{ "pattern", KB_FL_PROVIDER | KB_FL_LIST |
				    KB_FL_PREQUIRED },
};

static const struct {
	const char	*name;
	const char	*text;
} kb_sides[KB_SIDE_COUNT] = {
	[KB_SIDE_SENDER] =	{ "sender", "your credentials or sending "
				    "set-up" },
	[KB_SIDE_SERVER] =	{ "server", "your (submission) server's "
				    "policy" },
	[KB_SIDE_RECIPIENT] =	{ "recipient", "the recipient's server" },
	[KB_SIDE_NETWORK] =	{ "network", "the network or DNS in between" },
	[KB_SIDE_NONE] =	{ "none", "nobody: success or information" },
};

struct kb_chunk {
	struct kb_chunk	*next;
	size_t		 used;
	size_t		 cap;
	char		 data[];
};

struct kb_set {
	struct kb_entry	*entries;
	size_t		 n;
	size_t		 cap;
	struct kb_chunk	*pool;
};

/* Parser state for one text. */
struct kb_parser {
	struct kb_set	*set;
	char		*err;
	size_t		 errsz;
	size_t		 lineno;
	struct kb_entry	 rec;		/* record being read */
	int		 in_record;
	size_t		 rec_line;
	unsigned	 seen[KB_F_COUNT];
	enum kb_field	 field;		/* field being read, or KB_F_NONE */
	size_t		 field_line;
	struct buf	 val;
	char		 sources[KB_LIST_MAX * 512];
	size_t		 nsources;
};

static struct kb_set	kb_cur;
static int		kb_loaded;
static pthread_mutex_t	kb_mtx = PTHREAD_MUTEX_INITIALIZER;

static const char *kb_pool_dup(struct kb_set *, const char *, size_t);
static void	kb_set_free(struct kb_set *);
static int	kb_parse(struct kb_set *, const char *, size_t, char *,
		    size_t);
static int	kb_error(struct kb_parser *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	kb_line(struct kb_parser *, const char *, size_t);
static int	kb_field_begin(struct kb_parser *, const char *, size_t);
static int	kb_field_end(struct kb_parser *);
static int	kb_field_store(struct kb_parser *, const char *);
static int	kb_key(struct kb_parser *, const char *);
static int	kb_record_end(struct kb_parser *);
static int	kb_valid_key_enhanced(const char *);
static int	kb_parse_code(const char *);
static int	kb_enhanced_match(const char *key, const char *code);
static int	kb_contains(const char *hay, const char *pat);
static char	*kb_fold(const char *);
static const struct kb_entry *kb_find(enum kb_kind, const char *);

/* ---- string pool ---------------------------------------------------- */

static const char *
kb_pool_dup(struct kb_set *set, const char *s, size_t n)
{
	struct kb_chunk	*c = set->pool;
	size_t		 cap;
	char		*p;

	if (c == NULL || c->cap - c->used < n + 1) {
		cap = n + 1 > KB_CHUNK ? n + 1 : KB_CHUNK;
		if ((c = malloc(sizeof(*c) + cap)) == NULL)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = set->pool;
		set->pool = c;
	}
	p = c->data + c->used;
	memcpy(p, s, n);
	p[n] = '\0';
	c->used += n + 1;
	return p;
}

static void
kb_set_free(struct kb_set *set)
{
	struct kb_chunk	*c, *next;

	for (c = set->pool; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(set->entries);
	memset(set, 0, sizeof(*set));
}

/* ---- loading -------------------------------------------------------- */

int
kb_load(char *err, size_t errsz)
{
	struct kb_set	set;
	int		rc = 0;

	pthread_mutex_lock(&kb_mtx);
	if (!kb_loaded) {
		memset(&set, 0, sizeof(set));
		if (kb_parse(&set, kb_data, kb_data_len, err, errsz) == -1)
			rc = -1;
		else {
			kb_set_free(&kb_cur);
			kb_cur = set;
			kb_loaded = 1;
		}
	}
	pthread_mutex_unlock(&kb_mtx);
	return rc;
}

int
kb_load_text(const char *text, size_t len, char *err, size_t errsz)
{
	struct kb_set	set;

	memset(&set, 0, sizeof(set));
	if (kb_parse(&set, text, len, err, errsz) == -1)
		return -1;
	pthread_mutex_lock(&kb_mtx);
	kb_set_free(&kb_cur);
	kb_cur = set;
	kb_loaded = 1;
	pthread_mutex_unlock(&kb_mtx);
	return 0;
}

size_t
kb_count(enum kb_kind kind)
{
	size_t	i, n = 0;

	for (i = 0; i < kb_cur.n; i++)
		if (kb_cur.entries[i].kind == kind)
			n++;
	return n;
}

const struct kb_entry *
kb_at(size_t i)
{
	return i < kb_cur.n ? &kb_cur.entries[i] : NULL;
}

const char *
kb_side_name(enum kb_side side)
{
	return (unsigned)side < KB_SIDE_COUNT ? kb_sides[side].name : "?";
}

const char *
kb_side_text(enum kb_side side)
{
	return (unsigned)side < KB_SIDE_COUNT ? kb_sides[side].text : "?";
}

/* ---- parser --------------------------------------------------------- */

static int
kb_error(struct kb_parser *p, size_t line, const char *fmt, ...)
{
	char	msg[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err != NULL && p->errsz > 0)
		snprintf(p->err, p->errsz, "%s:%zu: %s", KB_FILE, line, msg);
	return -1;
}

static int
kb_parse(struct kb_set *set, const char *text, size_t len, char *err,
    size_t errsz)
{
	struct kb_parser	*p;
	size_t			 i, start;
	int			 rc = 0;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		if (err != NULL && errsz > 0)
			snprintf(err, errsz, "%s:0: out of memory", KB_FILE);
		return -1;
	}
	p->set = set;
	p->err = err;
	p->errsz = errsz;
	p->field = KB_F_NONE;
	buf_init(&p->val, KB_VALUE_MAX);
	for (start = i = 0; rc == 0 && i <= len; i++) {
		if (i < len && text[i] != '\n')
			continue;
		p->lineno++;
		rc = kb_line(p, text + start, i - start);
		start = i + 1;
	}
	if (rc == 0)
		rc = kb_field_end(p);
	if (rc == 0 && p->in_record)
		rc = kb_record_end(p);
	if (rc == 0 && set->n == 0)
		rc = kb_error(p, p->lineno, "no records");
	buf_free(&p->val);
	free(p);
	if (rc == -1)
		kb_set_free(set);
	return rc;
}

/* One line without its LF (a trailing CR is dropped). */
static int
kb_line(struct kb_parser *p, const char *s, size_t n)
{
	size_t	i;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	for (i = 0; i < n; i++) {
		unsigned char	c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return kb_error(p, p->lineno,
			    "control character 0x%02x", c);
	}
	if (n > 0 && s[0] == '#')
		return 0;
	for (i = 0; i < n && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (i == n) {			/* blank: ends the record */
		if (kb_field_end(p) == -1)
			return -1;
		if (p->in_record)
			return kb_record_end(p);
		return 0;
	}
	if (i > 0) {			/* continuation */
		if (p->field == KB_F_NONE)
			return kb_error(p, p->lineno,
			    "continuation line outside a field");
		if (buf_append(&p->val, " ", 1) == -1 ||
		    buf_append(&p->val, s + i, n - i) == -1)
			return kb_error(p, p->lineno, "value too long");
		return 0;
	}
	if (kb_field_end(p) == -1)
		return -1;
	return kb_field_begin(p, s, n);
}

static int
kb_field_begin(struct kb_parser *p, const char *s, size_t n)
{
	const char	*colon = memchr(s, ':', n);
	size_t		 nlen, i;
	int		 f = -1;

	if (colon == NULL)
		return kb_error(p, p->lineno, "expected 'field: value'");
	nlen = (size_t)(colon - s);
	for (i = 0; i < KB_F_COUNT; i++)
		if (strlen(kb_fields[i].name) == nlen &&
		    memcmp(kb_fields[i].name, s, nlen) == 0)
			f = (int)i;
	if (f == -1)
		return kb_error(p, p->lineno, "unknown field '%.*s'",
		    (int)(nlen > 40 ? 40 : nlen), s);
	if (!p->in_record && f != KB_F_KEY)
		return kb_error(p, p->lineno,
		    "record must start with 'key'");
	if (p->in_record && f == KB_F_KEY)
		return kb_error(p, p->lineno,
		    "'key' inside a record (missing blank line?)");
	for (s = colon + 1, n -= nlen + 1; n > 0 && (*s == ' ' ||
	    *s == '\t'); s++, n--)
		;
	buf_reset(&p->val);
	if (buf_append(&p->val, s, n) == -1)
		return kb_error(p, p->lineno, "value too long");
	p->field = (enum kb_field)f;
	p->field_line = p->lineno;
	return 0;
}

/* Store the finished value of the current field, if any. */
static int
kb_field_end(struct kb_parser *p)
{
	char	*v;
	size_t	 n;

	if (p->field == KB_F_NONE)
		return 0;
	v = p->val.data != NULL ? p->val.data : "";
	for (n = p->val.len; n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t');
	    n--)
		v[n - 1] = '\0';
	if (n == 0)
		return kb_error(p, p->field_line, "empty value for '%s'",
		    kb_fields[p->field].name);
	if (kb_field_store(p, v) == -1)
		return -1;
	p->field = KB_F_NONE;
	return 0;
}

static int
kb_field_store(struct kb_parser *p, const char *v)
{
	enum kb_field	 f = p->field;
	struct kb_entry	*e = &p->rec;
	size_t		 line = p->field_line, i;
	const char	*s;

	if (f == KB_F_KEY)
		return kb_key(p, v);
	if ((kb_fields[f].flags & KB_FL_PROVIDER) && e->kind != KB_PROVIDER)
		return kb_error(p, line, "'%s' is only for provider records",
		    kb_fields[f].name);
	if (!(kb_fields[f].flags & KB_FL_LIST) && p->seen[f])
		return kb_error(p, line, "'%s' given twice",
		    kb_fields[f].name);
	if (p->seen[f] >= KB_LIST_MAX)
		return kb_error(p, line, "too many '%s' lines (max %d)",
		    kb_fields[f].name, KB_LIST_MAX);
	p->seen[f]++;
	if (f == KB_F_SIDE) {
		for (i = 0; i < KB_SIDE_COUNT; i++)
			if (strcmp(v, kb_sides[i].name) == 0)
				break;
		if (i == KB_SIDE_COUNT)
			return kb_error(p, line, "bad side '%.40s' (sender, "
			    "server, recipient, network or none)", v);
		e->side = (enum kb_side)i;
		return 0;
	}
	if (f == KB_F_CODE) {
		if ((e->basic = kb_parse_code(v)) == 0)
			return kb_error(p, line, "malformed code '%.40s'", v);
		return 0;
	}
	if (f == KB_F_ENHANCED && !kb_valid_key_enhanced(v))
		return kb_error(p, line, "malformed enhanced code '%.40s'", v);
	if (f == KB_F_SOURCE) {
		if (p->nsources > 0 && util_strlcpy(p->sources + p->nsources,
		    "; ", sizeof(p->sources) - p->nsources) == -1)
			return kb_error(p, line, "sources too long");
		p->nsources += p->nsources > 0 ? 2 : 0;
		if (util_strlcpy(p->sources + p->nsources, v,
		    sizeof(p->sources) - p->nsources) == -1)
			return kb_error(p, line, "sources too long");
		p->nsources += strlen(v);
		return 0;
	}
	if ((s = kb_pool_dup(p->set, v, strlen(v))) == NULL)
		return kb_error(p, line, "out of memory");
	if (f == KB_F_TITLE)
		e->title = s;
	else if (f == KB_F_MEANING)
		e->meaning = s;
	else if (f == KB_F_PROVIDER)
		e->provider = s;
	else if (f == KB_F_ENHANCED)
		e->enhanced = s;
	else if (f == KB_F_CAUSE)
		e->causes[e->ncauses++] = s;
	else if (f == KB_F_FIX)
		e->fixes[e->nfixes++] = s;
	else if (f == KB_F_PATTERN)
		e->patterns[e->npatterns++] = s;
	return 0;
}

/* The key opens a record: classify it and refuse duplicates. */
static int
kb_key(struct kb_parser *p, const char *v)
{
	struct kb_entry	*e = &p->rec;
	size_t		 i, n = strlen(v);

	memset(e, 0, sizeof(*e));
	memset(p->seen, 0, sizeof(p->seen));
	p->nsources = 0;
	p->sources[0] = '\0';
	p->in_record = 1;
	p->rec_line = p->field_line;
	p->seen[KB_F_KEY] = 1;
	if (isdigit((unsigned char)v[0]) && strchr(v, '.') == NULL) {
		if (kb_parse_code(v) == 0)
			return kb_error(p, p->rec_line,
			    "malformed code '%.40s'", v);
		e->kind = KB_BASIC;
	} else if (isdigit((unsigned char)v[0]) || v[0] == 'X') {
		if (!kb_valid_key_enhanced(v))
			return kb_error(p, p->rec_line,
			    "malformed code '%.40s'", v);
		e->kind = KB_ENHANCED;
	} else {
		for (i = 0; i < n; i++)
			if (!islower((unsigned char)v[i]) &&
			    !isdigit((unsigned char)v[i]) &&
			    v[i] != '-' && v[i] != '.')
				break;
		if (i < n || n > 64 || !islower((unsigned char)v[0]))
			return kb_error(p, p->rec_line,
			    "malformed key '%.40s'", v);
		e->kind = KB_PROVIDER;
	}
	for (i = 0; i < p->set->n; i++)
		if (strcmp(p->set->entries[i].key, v) == 0)
			return kb_error(p, p->rec_line,
			    "duplicate key '%.40s'", v);
	if ((e->key = kb_pool_dup(p->set, v, n)) == NULL)
		return kb_error(p, p->rec_line, "out of memory");
	return 0;
}

static int
kb_record_end(struct kb_parser *p)
{
	struct kb_set	*set = p->set;
	struct kb_entry	*ne;
	size_t		 f, ncap;
	int		 need;

	for (f = 0; f < KB_F_COUNT; f++) {
		need = (kb_fields[f].flags & KB_FL_REQUIRED) ||
		    ((kb_fields[f].flags & KB_FL_PREQUIRED) &&
		    p->rec.kind == KB_PROVIDER);
		if (need && p->seen[f] == 0)
			return kb_error(p, p->rec_line,
			    "record '%s': missing '%s'", p->rec.key,
			    kb_fields[f].name);
	}
	if ((p->rec.sources = kb_pool_dup(set, p->sources,
	    p->nsources)) == NULL)
		return kb_error(p, p->rec_line, "out of memory");
	if (set->n == set->cap) {
		ncap = set->cap ? set->cap * 2 : 128;
		if ((ne = reallocarray(set->entries, ncap,
		    sizeof(*ne))) == NULL)
			return kb_error(p, p->rec_line, "out of memory");
		set->entries = ne;
		set->cap = ncap;
	}
	set->entries[set->n++] = p->rec;
	p->in_record = 0;
	return 0;
}

/* "c.s.d" with c in 2/4/5, or "X.s.d" (RFC 3463 §2). */
static int
kb_valid_key_enhanced(const char *v)
{
	char	tmp[16];

	if (v[0] != 'X')
		return reply_valid_enhanced(v);
	if (util_snprintf(tmp, sizeof(tmp), "5%s", v + 1) == -1)
		return 0;
	return reply_valid_enhanced(tmp);
}

/* "530" -> 530; 0 unless exactly three digits, 200..599. */
static int
kb_parse_code(const char *v)
{
	if (strlen(v) != 3 || !isdigit((unsigned char)v[0]) ||
	    !isdigit((unsigned char)v[1]) || !isdigit((unsigned char)v[2]))
		return 0;
	if (v[0] < '2' || v[0] > '5')
		return 0;
	return (v[0] - '0') * 100 + (v[1] - '0') * 10 + (v[2] - '0');
}

/* ---- lookup --------------------------------------------------------- */

/* key "X.7.1" matches any class; "5.7.1" only itself. */
static int
kb_enhanced_match(const char *key, const char *code)
{
	if (key[0] == 'X')
		return strcmp(key + 1, code + 1) == 0;
	return strcmp(key, code) == 0;
}

/* Lower-case copy of s with every run of white space made one space. */
static char *
kb_fold(const char *s)
{
	char	*out, *o;
	int	 space = 0;

	if ((out = malloc(strlen(s) + 1)) == NULL)
		return NULL;
	for (o = out; *s != '\0'; s++) {
		if (isspace((unsigned char)*s)) {
			space = 1;
			continue;
		}
		if (space && o != out)
			*o++ = ' ';
		space = 0;
		*o++ = (char)tolower((unsigned char)*s);
	}
	*o = '\0';
	return out;
}

/* Case-insensitive substring; hay is already folded. */
static int
kb_contains(const char *hay, const char *pat)
{
	size_t	i;

	if (*pat == '\0')
		return 1;
	for (; *hay != '\0'; hay++) {
		for (i = 0; pat[i] != '\0' && hay[i] != '\0' &&
		    hay[i] == tolower((unsigned char)pat[i]); i++)
			;
		if (pat[i] == '\0')
			return 1;
	}
	return 0;
}

static const struct kb_entry *
kb_find(enum kb_kind kind, const char *key)
{
	size_t	i;

	for (i = 0; i < kb_cur.n; i++)
		if (kb_cur.entries[i].kind == kind &&
		    strcmp(kb_cur.entries[i].key, key) == 0)
			return &kb_cur.entries[i];
	return NULL;
}

void
kb_lookup(int basic, const char *enhanced, const char *text,
    struct kb_match *m)
{
	const struct kb_entry	*e;
	char			 key[16], *folded = NULL;
	size_t			 i, j;
	int			 score, best = -1;

	memset(m, 0, sizeof(*m));
	if (kb_load(NULL, 0) == -1)
		return;
	if (enhanced != NULL && !reply_valid_enhanced(enhanced))
		enhanced = NULL;
	if (text != NULL)
		folded = kb_fold(text);
	for (i = 0; folded != NULL && i < kb_cur.n; i++) {
		e = &kb_cur.entries[i];
		if (e->kind != KB_PROVIDER || (e->basic && e->basic != basic))
			continue;
		if (e->enhanced != NULL && (enhanced == NULL ||
		    !kb_enhanced_match(e->enhanced, enhanced)))
			continue;
		for (j = 0; j < e->npatterns; j++)
			if (!kb_contains(folded, e->patterns[j]))
				break;
		if (j < e->npatterns)
			continue;
		score = (e->basic != 0) + (e->enhanced != NULL) +
		    (int)e->npatterns;
		if (score > best) {
			best = score;
			m->provider = e;
		}
	}
	free(folded);
	if (enhanced != NULL) {
		m->enhanced = kb_find(KB_ENHANCED, enhanced);
		if (m->enhanced == NULL && util_snprintf(key, sizeof(key),
		    "X%s", enhanced + 1) == 0)
			m->enhanced = kb_find(KB_ENHANCED, key);
	}
	if (basic >= 200 && basic <= 599 &&
	    util_snprintf(key, sizeof(key), "%d", basic) == 0)
		m->basic = kb_find(KB_BASIC, key);
}
