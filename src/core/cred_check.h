/*
 * cred_check: find the characters that make a correctly remembered user
 * name or password fail anyway: blanks copied along at the ends, line
 * breaks, invisible and zero-width characters, typographic spaces and
 * quotes, letters from other alphabets that look Latin, and bytes that
 * are not UTF-8.  Used for the hints after a 535 reply and by the
 * diagnostic client.  Pure functions: no I/O, no allocation, no state.
 *
 * Nothing produced here contains the credential's own characters: only
 * kinds, byte offsets, positions and code points.  Every string is
 * printable ASCII, so it may go into an SMTP reply (RFC 5321 §4.2).
 */
#ifndef POSTERN_CRED_CHECK_H
#define POSTERN_CRED_CHECK_H

#include <stddef.h>
#include <stdint.h>

enum cred_kind {
	CRED_LEADING_SPACE,	/* space or tab before the first other char */
	CRED_TRAILING_SPACE,	/* space or tab after the last other char */
	CRED_LINE_BREAK,	/* CR or LF, anywhere */
	CRED_TAB,		/* tab between other characters */
	CRED_CONTROL,		/* other C0, DEL, C1 (U+0080-U+009F) */
	CRED_ZERO_WIDTH,	/* U+200B-U+200D, U+2060, U+FEFF */
	CRED_NBSP,		/* non-ASCII Unicode spaces (Zs) */
	CRED_SMART_QUOTE,	/* curly quotes, guillemets, primes */
	CRED_LOOKALIKE,		/* Cyrillic/Greek/fullwidth look-alikes */
	CRED_NON_ASCII,		/* any other non-ASCII character */
	CRED_INVALID_UTF8,	/* not UTF-8 (RFC 3629) */
	CRED_KIND_COUNT
};

struct cred_finding {
	enum cred_kind	kind;
	size_t		offset;		/* byte offset, from 0 */
	size_t		pos;		/* code point position, from 1 */
	uint32_t	cp;		/* code point; INVALID_UTF8: the byte */
};

#define CRED_FINDINGS_MAX	16
#define CRED_SUMMARY_MIN	64	/* smallest outsz cred_summary takes */

struct cred_report {
	struct cred_finding	f[CRED_FINDINGS_MAX];
	size_t			n;		/* used entries of f */
	int			overflow;	/* 1: more than fit in f */
};

/*
 * Fill r with the findings in s, in order of position.  Each offending
 * character is one finding; an ill-formed UTF-8 sequence is one finding
 * per maximal subpart (Unicode 15, §3.9, "U+FFFD substitution") and
 * counts as one position.  1 if anything was found, 0 if s is clean.
 */
int	cred_check(const char *s, size_t len, struct cred_report *r);

/*
 * The coarse classes of what s holds, for one-line 535 hints: an OR of
 * CRED_HINT_* bits, 0 if none.  NON_ASCII and INVALID_UTF8 set no bit:
 * they may well be meant.
 */
#define CRED_HINT_SPACE		0x01	/* LEADING_ or TRAILING_SPACE */
#define CRED_HINT_LINE_BREAK	0x02	/* LINE_BREAK */
#define CRED_HINT_INVISIBLE	0x04	/* TAB, CONTROL, ZERO_WIDTH, NBSP,
					   SMART_QUOTE, LOOKALIKE */

unsigned cred_hints(const char *s, size_t len);

/*
 * The hint a failed login may carry (SMTP 535, IMAP NO): what the
 * client's own input shows is wrong -- not a full address, a line break,
 * an invisible character, surrounding space -- so it reveals nothing
 * about which accounts exist.  "" if none.  out is always terminated.
 */
void	cred_login_hint(const char *user, size_t ulen, const char *pass,
	    size_t plen, char *out, size_t outsz);

/* Short id, e.g. "trailing-space"; "unknown" out of range. */
const char *cred_kind_name(enum cred_kind);

/* One sentence for a person: what it is and where it usually comes from. */
const char *cred_kind_text(enum cred_kind);

/*
 * One line describing every finding, e.g. "trailing newline at position
 * 21 (U+000A)"; runs of the same character are merged ("... at positions
 * 3-5 ..."), and when out is full the rest is counted ("; and 4 more").
 * The number of findings (0: out is ""), or -1 if outsz is less than
 * CRED_SUMMARY_MIN.
 */
int	cred_summary(const char *s, size_t len, char *out, size_t outsz);

/*
 * Copy in to out without what is almost certainly accidental, and
 * nothing else:
 *  - at both ends, any run of ASCII space, tab, CR and LF, non-ASCII
 *    Unicode spaces (the CRED_NBSP class) and zero-width characters;
 *  - zero-width characters (CRED_ZERO_WIDTH) anywhere.
 * Inner spaces of every kind (ASCII and NBSP), inner tabs and line
 * breaks, controls, quotes, look-alikes, other non-ASCII and invalid
 * UTF-8 are kept byte for byte: they may be meant, and only the user
 * can tell.  out is NUL-terminated (it may hold other NULs from in); in
 * and out may be the same buffer, or must not overlap.  The length
 * written, or -1 if it does not fit in outsz (out is then "" when
 * outsz > 0, nothing else written) or len exceeds INT_MAX - 1.
 */
int	cred_clean(const char *in, size_t len, char *out, size_t outsz);

#endif
