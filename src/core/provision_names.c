/*
 * provision_names: the name helpers of provision_fmt.h.  Names become
 * local parts ("José Núñez" -> "jose.nunez"), full names split into first
 * and last ("Mary Ann Smith" -> "Mary" / "Ann Smith"), and local parts
 * become names again for formats with name columns when a run has none
 * ("john.smith" -> "John" / "Smith").  Split from provision_fmt.c, which
 * keeps the CSV layouts; the declarations stay in provision_fmt.h, so the
 * callers see one module.
 *
 * Invariants: provision_local_part() writes only [a-z0-9.] with no
 * leading, trailing or double dot, at most PROVISION_LOCAL_MAX bytes;
 * every function NUL-terminates what it writes when given room for it.
 *
 * Failure: each returns -1 when nothing usable remains or a part does not
 * fit the caller's buffer, and then leaves its outputs empty (except
 * provision_local_part() with outsz 0, which writes nothing).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/provision_fmt.h"
#include "core/smtp_parse.h"
#include "lib/util.h"

struct fold_block {
	uint32_t	 first;		/* first code point */
	const char	*map;		/* one ASCII letter per code point */
};

struct fold_multi {
	uint32_t	 cp;
	const char	*ascii;
};

enum fold_class {
	FOLD_LETTERS,		/* contributes ASCII letters or digits */
	FOLD_SEP,		/* ends a word */
	FOLD_JOIN,		/* vanishes without ending the word */
	FOLD_DROP,		/* vanishes (unknown non-ASCII, bad UTF-8) */
};

static const char	*nz(const char *);
static int		 utf8_next(const unsigned char **, uint32_t *);
static enum fold_class	 fold_char(uint32_t, char *, const char **,
			    size_t *);
static void		 lp_append(char *, size_t *, size_t, const char *,
			    size_t);
static int		 is_space(char);
static const char	*skip_space(const char *);
static size_t		 word_len(const char *);
static int		 is_local_sep(char);
static char		 ascii_upper(char);
static char		 ascii_lower(char);
static int		 name_word(char *, size_t, size_t *, const char *,
			    size_t);

/*
 * Folding of U+00C0..U+017F to ASCII.  '?' marks a letter folded to two
 * ASCII letters (fold_multi[]), '_' one that is dropped (× and ÷).
 * Umlauts fold to the bare vowel ("Müller" -> "muller"), the most common
 * choice for addresses outside German-speaking countries.
 */
static const char latin1_map[] =
    "aaaaaa?ceeeeiiii"		/* U+00C0 */
    "dnooooo_ouuuuy??"		/* U+00D0 */
    "aaaaaa?ceeeeiiii"		/* U+00E0 */
    "dnooooo_ouuuuy?y";		/* U+00F0 */
static const char latin_ext_a_map[] =
    "aaaaaacccccccc"		/* U+0100 Ā..č */
    "dddd"			/* U+010E Ď..đ */
    "eeeeeeeeee"		/* U+0112 Ē..ě */
    "gggggggg"			/* U+011C Ĝ..ģ */
    "hhhh"			/* U+0124 Ĥ..ħ */
    "iiiiiiiiii"		/* U+0128 Ĩ..ı */
    "??"			/* U+0132 Ĳ ĳ */
    "jjkkk"			/* U+0134 Ĵ..ĸ */
    "llllllllll"		/* U+0139 Ĺ..ł */
    "nnnnnnnnn"			/* U+0143 Ń..ŋ */
    "oooooo"			/* U+014C Ō..ő */
    "??"			/* U+0152 Œ œ */
    "rrrrrr"			/* U+0154 Ŕ..ř */
    "ssssssss"			/* U+015A Ś..š */
    "tttttt"			/* U+0162 Ţ..ŧ */
    "uuuuuuuuuuuu"		/* U+0168 Ũ..ų */
    "wwyyy"			/* U+0174 Ŵ..Ÿ */
    "zzzzzzs";			/* U+0179 Ź..ſ */

_Static_assert(sizeof(latin1_map) == 64 + 1, "latin1_map size");
_Static_assert(sizeof(latin_ext_a_map) == 128 + 1, "latin_ext_a_map size");

static const struct fold_block fold_blocks[] = {
	{ 0x00c0, latin1_map },
	{ 0x0100, latin_ext_a_map },
};

static const struct fold_multi fold_multis[] = {
	{ 0x00c6, "ae" }, { 0x00e6, "ae" },	/* Æ æ */
	{ 0x00de, "th" }, { 0x00fe, "th" },	/* Þ þ */
	{ 0x00df, "ss" },			/* ß */
	{ 0x0132, "ij" }, { 0x0133, "ij" },	/* Ĳ ĳ */
	{ 0x0152, "oe" }, { 0x0153, "oe" },	/* Œ œ */
};

/* Apostrophes join: "O'Brien" -> "obrien", not "o.brien". */
static const uint32_t fold_joiners[] = {
	'\'', 0x2019, 0x02bc,			/* ' ’ ʼ */
};

static const char *
nz(const char *s)
{
	return s ? s : "";
}

/* Decode one UTF-8 sequence (RFC 3629); -1 and one byte skipped if bad. */
static int
utf8_next(const unsigned char **pp, uint32_t *cp)
{
	const unsigned char	*p = *pp;
	uint32_t		 c = p[0], min;
	int			 n, i;

	*pp = p + 1;
	if (c < 0x80) {
		*cp = c;
		return 0;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 1, c &= 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 2, c &= 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 3, c &= 0x07, min = 0x10000;
	} else
		return -1;
	/* A NUL is not a continuation byte, so this stops at the end. */
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*cp = c;
	*pp = p + n + 1;
	return 0;
}

/*
 * Classify code point cp; for FOLD_LETTERS set *s and *n to its ASCII
 * letters (tmp holds a lower-cased ASCII character).
 */
static enum fold_class
fold_char(uint32_t cp, char *tmp, const char **s, size_t *n)
{
	const struct fold_block	*fb;
	size_t			 i, j, idx;

	for (i = 0; i < sizeof(fold_joiners) / sizeof(fold_joiners[0]); i++)
		if (cp == fold_joiners[i])
			return FOLD_JOIN;
	if (cp < 0x80) {
		if (!((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
		    (cp >= '0' && cp <= '9')))
			return FOLD_SEP;
		tmp[0] = (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
		*s = tmp;
		*n = 1;
		return FOLD_LETTERS;
	}
	if (cp == 0x00a0)			/* no-break space */
		return FOLD_SEP;
	for (i = 0; i < sizeof(fold_blocks) / sizeof(fold_blocks[0]); i++) {
		fb = &fold_blocks[i];
		if (cp < fb->first || cp - fb->first >= strlen(fb->map))
			continue;
		idx = cp - fb->first;
		if (fb->map[idx] == '_')
			return FOLD_DROP;
		*s = &fb->map[idx];
		*n = 1;
		if (fb->map[idx] != '?')
			return FOLD_LETTERS;
		for (j = 0; j < sizeof(fold_multis) / sizeof(fold_multis[0]);
		    j++)
			if (fold_multis[j].cp == cp) {
				*s = fold_multis[j].ascii;
				*n = strlen(*s);
				return FOLD_LETTERS;
			}
		return FOLD_DROP;
	}
	return FOLD_DROP;
}

/* Append up to n bytes of s without passing max. */
static void
lp_append(char *out, size_t *len, size_t max, const char *s, size_t n)
{
	while (n-- > 0 && *len < max)
		out[(*len)++] = *s++;
	out[*len] = '\0';
}

int
provision_local_part(const char *first_last, char *out, size_t outsz)
{
	const unsigned char	*p = (const unsigned char *)nz(first_last);
	const char		*s = NULL;
	char			 tmp[1];
	size_t			 len = 0, max, n = 0;
	uint32_t		 cp;
	int			 sep = 0;

	if (outsz == 0)
		return -1;
	max = outsz - 1 < PROVISION_LOCAL_MAX ? outsz - 1 :
	    PROVISION_LOCAL_MAX;
	out[0] = '\0';
	while (*p != '\0' && len < max) {
		if (utf8_next(&p, &cp) == -1)
			continue;
		switch (fold_char(cp, tmp, &s, &n)) {
		case FOLD_SEP:
			sep = 1;
			break;
		case FOLD_LETTERS:
			/* The dot goes in only before a word that has text. */
			if (sep && len > 0)
				lp_append(out, &len, max, ".", 1);
			sep = 0;
			lp_append(out, &len, max, s, n);
			break;
		case FOLD_JOIN:
		case FOLD_DROP:
			break;
		}
	}
	if (len > 0 && out[len - 1] == '.')
		out[--len] = '\0';
	return len > 0 ? 0 : -1;
}

static int
is_space(char c)
{
	return c != '\0' && strchr(" \t\r\n\v\f", c) != NULL;
}

static const char *
skip_space(const char *p)
{
	while (is_space(*p))
		p++;
	return p;
}

static size_t
word_len(const char *p)
{
	size_t	n = 0;

	while (p[n] != '\0' && !is_space(p[n]))
		n++;
	return n;
}

int
provision_split_name(const char *full, char *first, size_t firstsz,
    char *last, size_t lastsz)
{
	const char	*p = skip_space(nz(full));
	size_t		 n, len = 0;

	if (firstsz == 0 || lastsz == 0)
		return -1;
	first[0] = last[0] = '\0';
	if ((n = word_len(p)) == 0 || n >= firstsz)
		return -1;
	memcpy(first, p, n);
	first[n] = '\0';
	for (p = skip_space(p + n); (n = word_len(p)) > 0;
	    p = skip_space(p + n)) {
		if (len + (len > 0) + n >= lastsz) {
			first[0] = last[0] = '\0';
			return -1;
		}
		if (len > 0)
			last[len++] = ' ';
		memcpy(last + len, p, n);
		len += n;
		last[len] = '\0';
	}
	return 0;
}

/* The characters that separate the words of a local part. */
static int
is_local_sep(char c)
{
	return c == '.' || c == '_' || c == '-' || c == '+';
}

static char
ascii_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
}

static char
ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/*
 * Append the n bytes at p to out, which holds *len bytes of outsz, after
 * one space unless out is empty: first letter upper case, the rest lower
 * (ASCII only; other bytes stay as they are).  0, or -1 if it does not
 * fit.
 */
static int
name_word(char *out, size_t outsz, size_t *len, const char *p, size_t n)
{
	size_t	i;

	if (*len + (*len > 0) + n >= outsz)
		return -1;
	if (*len > 0)
		out[(*len)++] = ' ';
	for (i = 0; i < n; i++)
		out[(*len)++] = i == 0 ? ascii_upper(p[i]) : ascii_lower(p[i]);
	out[*len] = '\0';
	return 0;
}

/*
 * The local part is what precedes the last '@' (all of address if it has
 * none).  Runs of separators count as one, so "a..b" is "A" / "B".
 */
int
provision_names_from_local(const char *address, char *first,
    size_t firstsz, char *last, size_t lastsz)
{
	const char	*p = nz(address), *end = strrchr(p, '@');
	size_t		 n, flen = 0, llen = 0;
	int		 rc;

	if (firstsz == 0 || lastsz == 0)
		return -1;
	first[0] = last[0] = '\0';
	if (end == NULL)
		end = p + strlen(p);
	for (;;) {
		while (p < end && is_local_sep(*p))
			p++;
		for (n = 0; p + n < end && !is_local_sep(p[n]); n++)
			;
		if (n == 0)
			break;
		rc = flen == 0 ? name_word(first, firstsz, &flen, p, n) :
		    name_word(last, lastsz, &llen, p, n);
		if (rc == -1) {
			first[0] = last[0] = '\0';
			return -1;
		}
		p += n;
	}
	return flen > 0 ? 0 : -1;
}

int
provision_count_address(const char *prefix, size_t i, size_t count,
    const char *domain, char *out, size_t outsz)
{
	char	local[SMTP_LOCAL_MAX + 1], a[512];
	int	width = snprintf(NULL, 0, "%zu", count);

	if (outsz > 0)
		out[0] = '\0';
	if (width < 2)
		width = 2;
	if (util_snprintf(local, sizeof(local), "%s%0*zu", nz(prefix),
	    width, i + 1) == -1 ||
	    util_snprintf(a, sizeof(a), "%s@%s", local, nz(domain)) == -1 ||
	    smtp_parse_mailbox(a, out, outsz) == -1) {
		if (outsz > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

int
provision_name_line(const char *line, const char *domain, char *address,
    size_t addrsz, char *first, size_t firstsz, char *last, size_t lastsz)
{
	char	local[SMTP_LOCAL_MAX + 1], a[512];

	if (addrsz == 0 || firstsz == 0 || lastsz == 0)
		return -1;
	address[0] = first[0] = last[0] = '\0';
	if (strchr(nz(line), ' ') != NULL) {
		if (provision_split_name(line, first, firstsz, last,
		    lastsz) == -1 ||
		    provision_local_part(line, local, sizeof(local)) == -1)
			goto bad;
	} else if (util_strlcpy(local, nz(line), sizeof(local)) == -1)
		goto bad;
	if (util_snprintf(a, sizeof(a), "%s@%s", local, nz(domain)) == -1 ||
	    smtp_parse_mailbox(a, address, addrsz) == -1)
		goto bad;
	return 0;
bad:
	address[0] = first[0] = last[0] = '\0';
	return -1;
}
