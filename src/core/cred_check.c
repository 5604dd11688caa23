/*
 * cred_check: see cred_check.h.
 *
 * One scanner, cred_scan(), walks the string a character at a time
 * (decoding UTF-8 strictly, per Unicode Table 3-7, from utf8_leads[])
 * and reports each offending character to a visitor: cred_check()
 * stores the findings, cred_summary() formats them, cred_hints() ORs
 * their classes.  Non-ASCII code
 * points are classified by binary search in cp_ranges[], a sorted table
 * of ranges; ASCII by ascii_kind(), which needs to know where the
 * leading and trailing blanks end (ends()).
 *
 * Invariants:
 *  - Nothing reads past s + len; s need not be NUL-terminated and may
 *    hold NULs (reported as CRED_CONTROL).
 *  - Output strings are built from the tables and from numbers only,
 *    never from the credential's bytes, and are printable ASCII.
 *  - cred_summary() never writes past outsz, and what it writes ends
 *    with a whole item or with "; and N more" (summary_finish()).
 *
 * Failure: cred_summary() and cred_clean() return -1 for a too small
 * output buffer; nothing else can fail.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/cred_check.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#define KIND_NONE	CRED_KIND_COUNT
#define ITEM_MAX	128	/* one summary item */

struct kind_info {
	const char	*name;		/* cred_kind_name() */
	const char	*text;		/* cred_kind_text() */
	const char	*noun;		/* cred_summary(), where not refined */
	unsigned	 hint;		/* cred_hints() */
};

struct utf8_lead {
	unsigned char	lo, hi;		/* lead bytes */
	unsigned char	len;		/* sequence length */
	unsigned char	lo2, hi2;	/* allowed second bytes */
};

struct cp_range {
	uint32_t	lo, hi;
	enum cred_kind	kind;
};

typedef void	(*cred_visitor)(const struct cred_finding *, void *);

/* State of one cred_summary(). */
struct summary {
	char			*out;
	size_t			 outsz, used;
	size_t			 lead, trail;	/* see ends() */
	size_t			 last_used;	/* used before the last item */
	size_t			 last_count;	/* findings in the last item */
	int			 count, more;
	struct cred_finding	 run;		/* first of the pending run */
	const char		*run_noun;
	size_t			 run_len;	/* 0: nothing pending */
};

static void	cred_scan(const char *, size_t, cred_visitor, void *);
static void	ends(const char *, size_t, size_t *, size_t *);
static size_t	utf8_decode(const unsigned char *, size_t, uint32_t *,
		    int *);
static enum cred_kind ascii_kind(uint32_t, size_t, size_t, size_t);
static enum cred_kind cp_kind(uint32_t);
static int	strippable(const char *, size_t, size_t, size_t *);
static void	report_add(const struct cred_finding *, void *);
static void	hints_add(const struct cred_finding *, void *);
static void	summary_add(const struct cred_finding *, void *);
static void	summary_flush(struct summary *);
static void	summary_finish(struct summary *);
static void	count_more(struct summary *, size_t);
static const char *summary_noun(const struct summary *,
		    const struct cred_finding *);

static const struct kind_info kinds[CRED_KIND_COUNT] = {
	[CRED_LEADING_SPACE] = { "leading-space",
	    "a space or tab at the start, often copied along with the text",
	    "leading space", CRED_HINT_SPACE },
	[CRED_TRAILING_SPACE] = { "trailing-space",
	    "a space or tab at the end, often copied along with the text",
	    "trailing space", CRED_HINT_SPACE },
	[CRED_LINE_BREAK] = { "line-break",
	    "a line break (CR or LF), often pasted from a spreadsheet or a "
	    "terminal", "line break", CRED_HINT_LINE_BREAK },
	[CRED_TAB] = { "tab",
	    "a tab, often pasted from a spreadsheet cell or a table",
	    "tab", CRED_HINT_INVISIBLE },
	[CRED_CONTROL] = { "control",
	    "an invisible control character, often from a terminal or a "
	    "broken copy and paste", "control character",
	    CRED_HINT_INVISIBLE },
	[CRED_ZERO_WIDTH] = { "zero-width",
	    "an invisible zero-width character, often copied from a web "
	    "page, a chat or a document", "zero-width character",
	    CRED_HINT_INVISIBLE },
	[CRED_NBSP] = { "nbsp",
	    "a non-breaking or typographic space that looks like a space "
	    "but is not one, often from a word processor or a web page",
	    "non-breaking space", CRED_HINT_INVISIBLE },
	[CRED_SMART_QUOTE] = { "smart-quote",
	    "a typographic quote, guillemet or prime: word processors and "
	    "phones put these in place of straight quotes",
	    "typographic quote", CRED_HINT_INVISIBLE },
	[CRED_LOOKALIKE] = { "lookalike",
	    "a Cyrillic, Greek or fullwidth letter that looks like a Latin "
	    "one, often from a keyboard layout switch or a crafted link",
	    "look-alike letter", CRED_HINT_INVISIBLE },
	[CRED_NON_ASCII] = { "non-ascii",
	    "a non-ASCII character: check the keyboard layout, and that "
	    "both sides use the same encoding and normalization",
	    "non-ASCII character", 0 },
	[CRED_INVALID_UTF8] = { "invalid-utf8",
	    "bytes that are not UTF-8, often from a client using a legacy "
	    "character set such as Latin-1", "invalid UTF-8", 0 },
};

/* Unicode 15, Table 3-7: well-formed UTF-8 byte sequences. */
static const struct utf8_lead utf8_leads[] = {
	{ 0xc2, 0xdf, 2, 0x80, 0xbf },
	{ 0xe0, 0xe0, 3, 0xa0, 0xbf },	/* no overlongs */
	{ 0xe1, 0xec, 3, 0x80, 0xbf },
	{ 0xed, 0xed, 3, 0x80, 0x9f },	/* no surrogates */
	{ 0xee, 0xef, 3, 0x80, 0xbf },
	{ 0xf0, 0xf0, 4, 0x90, 0xbf },	/* no overlongs */
	{ 0xf1, 0xf3, 4, 0x80, 0xbf },
	{ 0xf4, 0xf4, 4, 0x80, 0x8f },	/* nothing past U+10FFFF */
};

/* Sorted, disjoint.  Code points not listed are CRED_NON_ASCII. */
static const struct cp_range cp_ranges[] = {
	{ 0x0080, 0x009f, CRED_CONTROL },	/* C1 */
	{ 0x00a0, 0x00a0, CRED_NBSP },
	{ 0x00ab, 0x00ab, CRED_SMART_QUOTE },	/* << */
	{ 0x00bb, 0x00bb, CRED_SMART_QUOTE },	/* >> */
	{ 0x0391, 0x0392, CRED_LOOKALIKE },	/* Greek A B */
	{ 0x0395, 0x0397, CRED_LOOKALIKE },	/* E Z H */
	{ 0x0399, 0x039a, CRED_LOOKALIKE },	/* I K */
	{ 0x039c, 0x039d, CRED_LOOKALIKE },	/* M N */
	{ 0x039f, 0x039f, CRED_LOOKALIKE },	/* O */
	{ 0x03a1, 0x03a1, CRED_LOOKALIKE },	/* P */
	{ 0x03a4, 0x03a5, CRED_LOOKALIKE },	/* T Y */
	{ 0x03a7, 0x03a7, CRED_LOOKALIKE },	/* X */
	{ 0x03b1, 0x03b1, CRED_LOOKALIKE },	/* alpha: a */
	{ 0x03b9, 0x03ba, CRED_LOOKALIKE },	/* iota, kappa: i k */
	{ 0x03bd, 0x03bd, CRED_LOOKALIKE },	/* nu: v */
	{ 0x03bf, 0x03bf, CRED_LOOKALIKE },	/* omicron: o */
	{ 0x03c1, 0x03c1, CRED_LOOKALIKE },	/* rho: p */
	{ 0x03c5, 0x03c5, CRED_LOOKALIKE },	/* upsilon: u */
	{ 0x0405, 0x0406, CRED_LOOKALIKE },	/* Cyrillic S I */
	{ 0x0408, 0x0408, CRED_LOOKALIKE },	/* J */
	{ 0x0410, 0x0410, CRED_LOOKALIKE },	/* A */
	{ 0x0412, 0x0412, CRED_LOOKALIKE },	/* B */
	{ 0x0415, 0x0415, CRED_LOOKALIKE },	/* E */
	{ 0x041a, 0x041a, CRED_LOOKALIKE },	/* K */
	{ 0x041c, 0x041e, CRED_LOOKALIKE },	/* M H O */
	{ 0x0420, 0x0423, CRED_LOOKALIKE },	/* P C T Y */
	{ 0x0425, 0x0425, CRED_LOOKALIKE },	/* X */
	{ 0x0430, 0x0430, CRED_LOOKALIKE },	/* a */
	{ 0x0435, 0x0435, CRED_LOOKALIKE },	/* e */
	{ 0x043e, 0x043e, CRED_LOOKALIKE },	/* o */
	{ 0x0440, 0x0441, CRED_LOOKALIKE },	/* p c */
	{ 0x0443, 0x0443, CRED_LOOKALIKE },	/* y */
	{ 0x0445, 0x0445, CRED_LOOKALIKE },	/* x */
	{ 0x0455, 0x0456, CRED_LOOKALIKE },	/* s i */
	{ 0x0458, 0x0458, CRED_LOOKALIKE },	/* j */
	{ 0x04bb, 0x04bb, CRED_LOOKALIKE },	/* h */
	{ 0x04cf, 0x04cf, CRED_LOOKALIKE },	/* l */
	{ 0x0501, 0x0501, CRED_LOOKALIKE },	/* d */
	{ 0x051b, 0x051b, CRED_LOOKALIKE },	/* q */
	{ 0x051d, 0x051d, CRED_LOOKALIKE },	/* w */
	{ 0x1680, 0x1680, CRED_NBSP },		/* Ogham space mark */
	{ 0x2000, 0x200a, CRED_NBSP },		/* en quad .. hair space */
	{ 0x200b, 0x200d, CRED_ZERO_WIDTH },	/* ZWSP, ZWNJ, ZWJ */
	{ 0x2018, 0x201f, CRED_SMART_QUOTE },	/* curly and low-9 */
	{ 0x202f, 0x202f, CRED_NBSP },		/* narrow NBSP */
	{ 0x2032, 0x2033, CRED_SMART_QUOTE },	/* primes */
	{ 0x2039, 0x203a, CRED_SMART_QUOTE },	/* single guillemets */
	{ 0x205f, 0x205f, CRED_NBSP },		/* medium math space */
	{ 0x2060, 0x2060, CRED_ZERO_WIDTH },	/* word joiner */
	{ 0x3000, 0x3000, CRED_NBSP },		/* ideographic space */
	{ 0xfeff, 0xfeff, CRED_ZERO_WIDTH },	/* BOM, ZWNBSP */
	{ 0xff01, 0xff5e, CRED_LOOKALIKE },	/* fullwidth ASCII */
};

int
cred_check(const char *s, size_t len, struct cred_report *r)
{
	memset(r, 0, sizeof(*r));
	cred_scan(s, len, report_add, r);
	return r->n > 0;
}

unsigned
cred_hints(const char *s, size_t len)
{
	unsigned	hints = 0;

	cred_scan(s, len, hints_add, &hints);
	return hints;
}

const char *
cred_kind_name(enum cred_kind k)
{
	if ((unsigned)k >= CRED_KIND_COUNT)
		return "unknown";
	return kinds[k].name;
}

const char *
cred_kind_text(enum cred_kind k)
{
	if ((unsigned)k >= CRED_KIND_COUNT)
		return "an unknown problem";
	return kinds[k].text;
}

int
cred_summary(const char *s, size_t len, char *out, size_t outsz)
{
	struct summary	sm;

	if (outsz < CRED_SUMMARY_MIN) {
		if (outsz > 0)
			out[0] = '\0';
		return -1;
	}
	memset(&sm, 0, sizeof(sm));
	sm.out = out;
	sm.outsz = outsz;
	out[0] = '\0';
	ends(s, len, &sm.lead, &sm.trail);
	cred_scan(s, len, summary_add, &sm);
	summary_flush(&sm);
	summary_finish(&sm);
	return sm.count;
}

int
cred_clean(const char *in, size_t len, char *out, size_t outsz)
{
	size_t	start = 0, stop = 0, off, n, w;

	if (len > INT_MAX - 1)
		goto fail;
	/* [start, stop): from the first to the last character kept. */
	while (start < len && strippable(in, len, start, &n) != 0)
		start += n;
	for (off = start; off < len; off += n)
		if (strippable(in, len, off, &n) == 0)
			stop = off + n;
	for (w = 0, off = start; off < stop; off += n)
		if (strippable(in, len, off, &n) != 2)
			w += n;
	if (w >= outsz)
		goto fail;
	for (w = 0, off = start; off < stop; off += n) {
		if (strippable(in, len, off, &n) == 2)
			continue;
		memmove(out + w, in + off, n);	/* in == out: w <= off */
		w += n;
	}
	out[w] = '\0';
	return (int)w;
fail:
	if (outsz > 0)
		out[0] = '\0';
	return -1;
}

/*
 * The character at in + off, *n bytes long: 2 if zero-width, 1 if
 * another character cred_clean() removes at the ends, 0 otherwise.
 */
static int
strippable(const char *in, size_t len, size_t off, size_t *n)
{
	enum cred_kind	k;
	uint32_t	cp;
	int		ok;

	*n = utf8_decode((const unsigned char *)in + off, len - off, &cp,
	    &ok);
	if (!ok)
		return 0;
	if (cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n')
		return 1;
	if (cp < 0x80)
		return 0;
	k = cp_kind(cp);
	return k == CRED_ZERO_WIDTH ? 2 : k == CRED_NBSP;
}

static void
cred_scan(const char *s, size_t len, cred_visitor fn, void *arg)
{
	struct cred_finding	f;
	size_t			lead, trail, off, n, pos;
	uint32_t		cp;
	int			ok;

	ends(s, len, &lead, &trail);
	for (off = 0, pos = 1; off < len; off += n, pos++) {
		n = utf8_decode((const unsigned char *)s + off, len - off,
		    &cp, &ok);
		if (!ok)
			f.kind = CRED_INVALID_UTF8;
		else if (cp < 0x80)
			f.kind = ascii_kind(cp, off, lead, trail);
		else
			f.kind = cp_kind(cp);
		if (f.kind == KIND_NONE)
			continue;
		f.offset = off;
		f.pos = pos;
		f.cp = cp;
		fn(&f, arg);
	}
}

/*
 * [0, *lead) is the run of space, tab, CR and LF at the start, [*trail,
 * len) the one at the end; for a string of nothing else, both are all
 * of it.  Those bytes are ASCII, so never part of a longer sequence.
 */
static void
ends(const char *s, size_t len, size_t *lead, size_t *trail)
{
	static const char	ws[] = " \t\r\n";
	size_t			i = 0, j = len;

	while (i < len && memchr(ws, s[i], sizeof(ws) - 1) != NULL)
		i++;
	while (j > i && memchr(ws, s[j - 1], sizeof(ws) - 1) != NULL)
		j--;
	*lead = i;
	*trail = j;
}

static enum cred_kind
ascii_kind(uint32_t c, size_t off, size_t lead, size_t trail)
{
	if (c == '\r' || c == '\n')
		return CRED_LINE_BREAK;
	if (c == ' ' || c == '\t') {
		if (off < lead)
			return CRED_LEADING_SPACE;
		if (off >= trail)
			return CRED_TRAILING_SPACE;
		return c == '\t' ? CRED_TAB : KIND_NONE;
	}
	if (c < 0x20 || c == 0x7f)
		return CRED_CONTROL;
	return KIND_NONE;
}

static enum cred_kind
cp_kind(uint32_t cp)
{
	size_t	lo = 0, hi = nitems(cp_ranges), mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cp < cp_ranges[mid].lo)
			hi = mid;
		else if (cp > cp_ranges[mid].hi)
			lo = mid + 1;
		else
			return cp_ranges[mid].kind;
	}
	return CRED_NON_ASCII;
}

/*
 * Decode one character of s (len > 0).  Returns its length; *ok is 0
 * for an ill-formed sequence, whose maximal subpart's length is returned
 * and whose first byte goes to *cp.
 */
static size_t
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp, int *ok)
{
	const struct utf8_lead	*l = NULL;
	unsigned char		 lo, hi;
	uint32_t		 v;
	size_t			 i, k;

	*cp = s[0];
	*ok = s[0] < 0x80;
	if (*ok)
		return 1;
	for (i = 0; i < nitems(utf8_leads) && l == NULL; i++)
		if (s[0] >= utf8_leads[i].lo && s[0] <= utf8_leads[i].hi)
			l = &utf8_leads[i];
	if (l == NULL)
		return 1;
	v = s[0] & (0x7f >> l->len);
	for (k = 1; k < l->len; k++) {
		lo = k == 1 ? l->lo2 : 0x80;
		hi = k == 1 ? l->hi2 : 0xbf;
		if (k >= len || s[k] < lo || s[k] > hi)
			return k;
		v = v << 6 | (s[k] & 0x3f);
	}
	*cp = v;
	*ok = 1;
	return l->len;
}

static void
report_add(const struct cred_finding *f, void *arg)
{
	struct cred_report	*r = arg;

	if (r->n == CRED_FINDINGS_MAX) {
		r->overflow = 1;
		return;
	}
	r->f[r->n++] = *f;
}

static void
hints_add(const struct cred_finding *f, void *arg)
{
	unsigned	*hints = arg;

	*hints |= kinds[f->kind].hint;
}

/* Extend the pending run with f, or flush it and start a new one. */
static void
summary_add(const struct cred_finding *f, void *arg)
{
	struct summary	*sm = arg;
	const char	*noun = summary_noun(sm, f);

	if (sm->count < INT_MAX)
		sm->count++;
	if (sm->run_len > 0 && f->kind == sm->run.kind &&
	    f->cp == sm->run.cp && noun == sm->run_noun &&
	    f->pos == sm->run.pos + sm->run_len) {
		sm->run_len++;
		return;
	}
	summary_flush(sm);
	sm->run = *f;
	sm->run_noun = noun;
	sm->run_len = 1;
}

/* Write the pending run if it fits and nothing was left out; else count it. */
static void
summary_flush(struct summary *sm)
{
	char		item[ITEM_MAX], where[48], what[24];
	const char	*sep = sm->used > 0 ? "; " : "";
	int		n;

	if (sm->run_len == 0)
		return;
	if (sm->run_len == 1)
		snprintf(where, sizeof(where), "position %zu", sm->run.pos);
	else
		snprintf(where, sizeof(where), "positions %zu-%zu",
		    sm->run.pos, sm->run.pos + sm->run_len - 1);
	if (sm->run.kind == CRED_INVALID_UTF8)
		snprintf(what, sizeof(what), "byte 0x%02X",
		    (unsigned)sm->run.cp);
	else
		snprintf(what, sizeof(what), "U+%04X", (unsigned)sm->run.cp);
	n = snprintf(item, sizeof(item), "%s%s at %s (%s)", sep,
	    sm->run_noun, where, what);
	if (sm->more == 0 && n > 0 && (size_t)n < sizeof(item) &&
	    sm->used + (size_t)n < sm->outsz) {
		sm->last_used = sm->used;
		sm->last_count = sm->run_len;
		memcpy(sm->out + sm->used, item, (size_t)n + 1);
		sm->used += (size_t)n;
	} else
		count_more(sm, sm->run_len);
	sm->run_len = 0;
}

/*
 * Say how many findings were left out.  If that does not fit, drop the
 * last item: every item is longer than the longest tail, so one is
 * enough.
 */
static void
summary_finish(struct summary *sm)
{
	char	tail[32];
	int	n;

	if (sm->more == 0)
		return;
	n = snprintf(tail, sizeof(tail), "; and %d more", sm->more);
	if (sm->used > 0 && sm->used + (size_t)n >= sm->outsz) {
		sm->used = sm->last_used;
		sm->out[sm->used] = '\0';
		count_more(sm, sm->last_count);
		snprintf(tail, sizeof(tail), "; and %d more", sm->more);
	}
	if (sm->used == 0)
		snprintf(sm->out, sm->outsz, "%d problem%s found", sm->more,
		    sm->more == 1 ? "" : "s");
	else
		snprintf(sm->out + sm->used, sm->outsz - sm->used, "%s",
		    tail);
}

static void
count_more(struct summary *sm, size_t n)
{
	if (n > (size_t)(INT_MAX - sm->more))
		sm->more = INT_MAX;
	else
		sm->more += (int)n;
}

/* The kind's noun, refined by the character and where it is. */
static const char *
summary_noun(const struct summary *sm, const struct cred_finding *f)
{
	static const char *const breaks[3][2] = {
		{ "carriage return", "newline" },
		{ "leading carriage return", "leading newline" },
		{ "trailing carriage return", "trailing newline" },
	};
	int	where;

	switch (f->kind) {
	case CRED_LEADING_SPACE:
		return f->cp == '\t' ? "leading tab" : "leading space";
	case CRED_TRAILING_SPACE:
		return f->cp == '\t' ? "trailing tab" : "trailing space";
	case CRED_LINE_BREAK:
		where = f->offset < sm->lead ? 1 :
		    f->offset >= sm->trail ? 2 : 0;
		return breaks[where][f->cp == '\n'];
	default:
		return kinds[f->kind].noun;
	}
}

void
cred_login_hint(const char *user, size_t ulen, const char *pass, size_t plen,
    char *out, size_t outsz)
{
	static const struct {
		unsigned	 mask;
		const char	*text;
	} hints[] = {
		{ CRED_HINT_LINE_BREAK, "the credentials contain a line "
		    "break" },
		{ CRED_HINT_INVISIBLE, "the credentials contain an invisible "
		    "or non-ASCII look-alike character" },
		{ CRED_HINT_SPACE, "the credentials start or end with "
		    "whitespace" },
	};
	unsigned	found;
	size_t		i;

	if (outsz == 0)
		return;
	out[0] = '\0';
	if (memchr(user, '@', ulen) == NULL) {
		snprintf(out, outsz, "the username must be the full email "
		    "address");
		return;
	}
	found = cred_hints(user, ulen) | cred_hints(pass, plen);
	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (found & hints[i].mask) {
			snprintf(out, outsz, "%s", hints[i].text);
			return;
		}
}
